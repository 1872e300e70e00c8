// The matchers' types (jest.Matchers.toHaveResource, …) for a user's TypeScript tests, kept in index.d.ts.
/// <reference types="cdktf/lib/testing/adapters/jest" preserve="true" />
import { TerraformResource, TerraformStack, Testing } from "cdktf";
import { IConstruct } from "constructs";
import { synthesized } from "../core/synthesized";

/**
 * `cdktf-streaming-ingest/testing`: what a user's jest tests of a stack built with this library
 * need. List it in jest's `setupFilesAfterEnv` (or import it in a test file): loading it installs
 * cdktf's matchers (`toHaveResource`, `toHaveResourceWithProperties`, …, via `Testing.setupJest()`).
 * The helpers work with any test runner: they return values or throw an Error saying what differs.
 */

/** What a test framework's global `expect` offers that cdktf's matchers need. */
interface GlobalExpect {
  extend(matchers: Record<string, unknown>): void;
}

/** True when cdktf's matchers are on jest's `expect`. */
export function matchersLoaded(): boolean {
  const expect = (globalThis as { expect?: GlobalExpect }).expect;
  if (expect === undefined) return false;
  // jest's expect(value) carries every matcher extend() added, as a function.
  const matchers = (expect as unknown as (value: unknown) => Record<string, unknown>)(undefined);
  return typeof matchers.toHaveResource === "function";
}

/**
 * Installs cdktf's jest matchers (`Testing.setupJest()`), once. Throws a clear error when there is
 * no global `expect` yet: jest's `setupFiles` run before it exists, `setupFilesAfterEnv` after.
 */
export function setupJest(): void {
  if ((globalThis as { expect?: GlobalExpect }).expect === undefined) {
    throw new Error(
      'cdktf-streaming-ingest/testing: there is no global expect to add cdktf\'s matchers to. List "cdktf-streaming-ingest/testing" in jest\'s setupFilesAfterEnv (setupFiles run before jest defines expect), and keep injectGlobals on',
    );
  }
  if (!matchersLoaded()) Testing.setupJest();
}

/** A resource in a stack's synthesized Terraform JSON. */
export interface FoundResource {
  /** The Terraform resource type, e.g. `aws_kinesis_stream`. */
  readonly type: string;
  /** Its name in the JSON (the logical id). */
  readonly logicalId: string;
  /** `<type>.<logicalId>`: what `terraform state` and `-target` take. */
  readonly address: string;
  /** Its arguments as synthesized (snake_case keys, references as `${...}`). */
  readonly values: Record<string, any>;
}

/**
 * The resource at `path` in `stack`: a construct path relative to the stack (`Pipeline/Stream`)
 * or from the app's root (`my-stack/Pipeline/Stream`). A path to a construct that wraps one
 * resource (a library construct's `Resource` child) finds that resource.
 */
export function findResource(stack: TerraformStack, path: string): FoundResource {
  const relative = path.replace(/^\/+|\/+$/g, "");
  const target = stack.node.findAll().find((c) => c.node.path === relative || c.node.path === `${stack.node.path}/${relative}`);
  const resource = TerraformResource.isTerraformResource(target) ? target : target?.node.tryFindChild("Resource");
  if (!TerraformResource.isTerraformResource(resource)) {
    const known = stack.node.findAll().filter((c) => TerraformResource.isTerraformResource(c)).map((c) => c.node.path.slice(stack.node.path.length + 1));
    throw new Error(
      `findResource: no resource at construct path ${JSON.stringify(path)} in stack ${stack.node.id}${target ? " (the construct there is no resource and has no Resource child)" : ""}; resources: ${known.join(", ")}`,
    );
  }
  const type = resource.terraformResourceType;
  const logicalId = stack.getLogicalId(resource);
  return { type, logicalId, address: `${type}.${logicalId}`, values: synthJson(stack).resource[type][logicalId] };
}

/** One statement a principal is to be granted: an action on a resource (an ARN, or a construct's `xxxArn` reference). */
export interface ExpectedGrant {
  readonly action: string;
  readonly resource: string;
}

/** A principal made by this library: a `Role` or `User` (their grants collect in one inline policy). */
export interface PolicyHolder extends IConstruct {
  readonly policyResource?: TerraformResource;
}

/** The Allow statements of `principal`'s inline policy, as synthesized; none before its first grant. */
export function grantedStatements(principal: PolicyHolder): Array<{ Action: string[]; Resource: string[]; Condition?: unknown }> {
  if (!principal.policyResource) return [];
  const stack = TerraformStack.of(principal);
  const policy = findResource(stack, principal.policyResource.node.path.slice(stack.node.path.length + 1)).values.policy as string;
  const statements = (JSON.parse(policy) as { Statement: Array<Record<string, any>> }).Statement;
  const list = (value: unknown) => (Array.isArray(value) ? value : [value]) as string[];
  return statements
    .filter((s) => s.Effect === "Allow")
    .map((s) => ({ Action: list(s.Action), Resource: list(s.Resource), ...(s.Condition ? { Condition: s.Condition } : {}) }));
}

/** True when `principal` is allowed exactly `grant.action` on exactly `grant.resource` (conditions aside). */
export function isGranted(principal: PolicyHolder, grant: ExpectedGrant): boolean {
  const resource = resolved(principal, grant.resource);
  return grantedStatements(principal).some((s) => s.Action.includes(grant.action) && s.Resource.includes(resource));
}

/** Throws, listing what `principal` is granted, unless `isGranted(principal, grant)`. */
export function assertGranted(principal: PolicyHolder, grant: ExpectedGrant): void {
  if (isGranted(principal, grant)) return;
  const granted = grantedStatements(principal).map((s) => `${s.Action.join(",")} on ${s.Resource.join(",")}`);
  throw new Error(
    `${principal.node.path} is not granted ${grant.action} on ${resolved(principal, grant.resource)}; it is granted: ${granted.length > 0 ? granted.join("; ") : "nothing"}`,
  );
}

/** The stack's synthesized Terraform JSON. */
export function synthJson(stack: TerraformStack): { resource: Record<string, Record<string, any>>; [block: string]: any } {
  return JSON.parse(Testing.synth(stack));
}

/** `value` as the synthesized JSON shows it: a reference token becomes `${type.name.attr}`. */
function resolved(scope: IConstruct, value: string): string {
  return String(synthesized(scope, value));
}

// Loaded as a jest setup file, or imported by a test: the matchers are ready. Outside a test
// runner (no global expect at all) only the helpers are wanted; inside jest too early
// (setupFiles), say so instead of leaving the matchers to fail with a bare TypeError.
if ((globalThis as { expect?: GlobalExpect }).expect !== undefined || process.env.JEST_WORKER_ID !== undefined) setupJest();
