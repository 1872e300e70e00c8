import { DefaultTokenResolver, StringConcat, TerraformBackend, Testing, Tokenization } from "cdktf";
import { buildApp } from "../../main";
import { resourcesOf, testApp } from "./synth";

/** The synthesized stacks of the app (main.ts), by stack name. */
export type AppStacks = Record<string, any>;

const synthesized = new Map<string, AppStacks>();

/**
 * Synthesizes the app for these environment variables and cdktf context, once per jest worker
 * (the helper is shared by the test files of a worker: __tests__/shared-library-runtime.js): the
 * same settings give the same JSON, so tests that only read it share one synth. The JSON is
 * frozen, so a test that changed it would fail instead of leaking into another file.
 * An error (a bad setting) is thrown on every call, never cached.
 */
export function synthApp(env: NodeJS.ProcessEnv = {}, context?: Record<string, unknown>): AppStacks {
  const key = JSON.stringify([env, context ?? null]);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const stacks = Object.fromEntries(buildApp(testApp(context), env).map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack))]));
  synthesized.set(key, deepFreeze(stacks));
  return stacks;
}

/**
 * Where each stack of the app keeps its state: its `terraform.backend` (or `terraform.cloud`)
 * block, resolved by the stack as synth resolves it, without synthesizing the resources (the
 * state tests read nothing else, and a whole synth of both stacks costs ten times more).
 */
export function synthBackends(env: NodeJS.ProcessEnv = {}, context?: Record<string, unknown>): Record<string, any> {
  return Object.fromEntries(
    buildApp(testApp(context), env).map((stack) => {
      const backends = stack.node.findAll().filter(TerraformBackend.isBackend);
      const resolve = (value: unknown) => Tokenization.resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) });
      return [stack.node.id, Object.assign({}, ...backends.map((backend) => resolve(backend.toTerraform()).terraform))];
    }),
  );
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** The resources of one type in a synthesized stack, as a list. */
export const resourceValues = (json: any, type: string): any[] => Object.values(resourcesOf(json, type));
