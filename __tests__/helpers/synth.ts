import * as fs from "fs";
import { App, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

const outdirs: string[] = [];

/** A fresh app and stack with an AWS provider; its temp dir is removed after the file's tests. */
export function newStack(id = "test"): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  outdirs.push(app.outdir);
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return { app, stack };
}

export function cleanupSynthDirs(): void {
  for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
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
