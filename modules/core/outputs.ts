import { TerraformOutput, TerraformOutputConfig } from "cdktf";
import { Construct } from "constructs";

/**
 * A stack output named `name` in Terraform (`terraform output <name>`), with characters that
 * Terraform does not allow in a name replaced by `_`. Every construct's outputs go through here,
 * so output names follow one rule: `<construct id>_<what>`, e.g. `Pipeline_stream_arn`.
 */
export function addOutput(scope: Construct, id: string, name: string, config: TerraformOutputConfig): TerraformOutput {
  const output = new TerraformOutput(scope, id, config);
  output.overrideLogicalId(outputName(name));
  return output;
}

/** `name` with every character other than `[A-Za-z0-9_]` replaced by `_`. */
export function outputName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}
