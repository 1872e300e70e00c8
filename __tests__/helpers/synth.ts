import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

let outdir: string | undefined;

/**
 * A test app. Its output folder is one temp dir per test file (removed after the file's
 * tests) rather than one per app: `Testing.synth` writes nothing there, and a folder per test
 * was a measurable part of the unit tier.
 */
export function testApp(context?: Record<string, unknown>): App {
  outdir ??= fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-test-"));
  return Testing.app({ outdir, context: { targetVersions: TARGET_VERSIONS, ...context } });
}

/**
 * The Terraform versions cdktf.json says the project targets, in the context as the CLI passes
 * them: CDK Terrain refuses at synth a feature those versions lack (cdktf ignores the key).
 */
const TARGET_VERSIONS: unknown = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "cdktf.json"), "utf8")).targetVersions;

/** A fresh app and stack with an AWS provider. */
export function newStack(id = "test"): { app: App; stack: TerraformStack } {
  const app = testApp();
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return { app, stack };
}

export function cleanupSynthDirs(): void {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  outdir = undefined;
}

/** Synthesized Terraform JSON of a stack. */
export type Synth = { resource: Record<string, Record<string, any>>; output?: Record<string, any>; terraform: any; provider: any };

export function synth(stack: TerraformStack): Synth {
  return JSON.parse(Testing.synth(stack)) as Synth;
}

/** All resources of a type, keyed by logical id. */
export function resourcesOf(json: Synth, type: string): Record<string, any> {
  return json.resource?.[type] ?? {};
}

/** The single resource of a type (fails if there is not exactly one). */
export function onlyResource(json: Synth, type: string): any {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** Parses a policy attribute (JSON string) of a resource. */
export function policyOf(resource: { policy?: string; assume_role_policy?: string }, attr: "policy" | "assume_role_policy" = "policy"): any {
  return JSON.parse(resource[attr] as string);
}
