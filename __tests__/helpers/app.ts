import { Testing } from "cdktf";
import { buildApp } from "../../main";
import { resourcesOf, testApp } from "./synth";

/** The synthesized stacks of the app (main.ts), by stack name. */
export type AppStacks = Record<string, any>;

const synthesized = new Map<string, AppStacks>();

/**
 * Synthesizes the app for these environment variables and cdktf context, once per test file:
 * the same settings give the same (read-only) JSON, so tests that only read it share one synth.
 * An error (a bad setting) is thrown on every call, never cached.
 */
export function synthApp(env: NodeJS.ProcessEnv = {}, context?: Record<string, unknown>): AppStacks {
  const key = JSON.stringify([env, context ?? null]);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const stacks = Object.fromEntries(buildApp(testApp(context), env).map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack))]));
  synthesized.set(key, stacks);
  return stacks;
}

/** The resources of one type in a synthesized stack, as a list. */
export const resourceValues = (json: any, type: string): any[] => Object.values(resourcesOf(json, type));
