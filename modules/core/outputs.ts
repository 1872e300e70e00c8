import { TerraformOutput, TerraformOutputConfig, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ValidationError } from "./validation-error";

/** The construct path that added each output name, per stack: two constructs must not emit one name. */
const outputOwners = new WeakMap<TerraformStack, Map<string, string>>();

/**
 * A stack output named `name` in Terraform (`terraform output <name>`), with characters that
 * Terraform does not allow in a name replaced by `_`. Every construct's outputs go through here,
 * so output names follow one rule: `<construct id>_<what>`, e.g. `Pipeline_stream_arn`; a name
 * already emitted in the stack is refused (turn one construct's `outputs` off, or rename it).
 */
export function addOutput(scope: Construct, id: string, name: string, config: TerraformOutputConfig): TerraformOutput {
  const logicalId = outputName(name);
  const stack = TerraformStack.of(scope);
  const owners = outputOwners.get(stack) ?? new Map<string, string>();
  outputOwners.set(stack, owners);
  const owner = owners.get(logicalId);
  if (owner !== undefined) {
    throw new ValidationError(scope, `output ${logicalId} is already emitted by ${owner}; set outputs: false on one of them or give it another id`);
  }
  owners.set(logicalId, scope.node.path);
  const output = new TerraformOutput(scope, id, config);
  output.overrideLogicalId(logicalId);
  return output;
}

/** `name` with every character other than `[A-Za-z0-9_]` replaced by `_`. */
export function outputName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}
