import { IResolveContext } from "cdktf";

/**
 * IAM policy building blocks shared by every construct: statements, the grantee interface
 * (the AWS CDK `IGrantable` idiom) and the rendering of a policy document (the inline policy a
 * principal accumulates is `PrincipalPolicy`, in principal-policy.ts).
 */

/** Condition block: operator -> key -> value(s), e.g. `{ StringEquals: { "sts:ExternalId": "x" } }`. */
export type Conditions = Record<string, Record<string, string | string[]>>;

export interface PolicyStatementProps {
  /** The actions; never `*`. */
  readonly actions: string[];
  /** The resource ARNs the actions apply to. */
  readonly resources: string[];
  /** @default "Allow" */
  readonly effect?: "Allow" | "Deny";
  /** @default none */
  readonly conditions?: Conditions;
}

/** One IAM policy statement. Immutable. */
export class PolicyStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly effect: "Allow" | "Deny";
  readonly conditions?: Conditions;

  constructor(props: PolicyStatementProps) {
    if (props.actions.length === 0) throw new Error("PolicyStatement: actions must not be empty");
    if (props.resources.length === 0) throw new Error("PolicyStatement: resources must not be empty");
    if (props.actions.some((a) => a.includes("*"))) {
      throw new Error(`PolicyStatement: wildcard actions are not allowed; got ${props.actions.join(", ")}`);
    }
    this.actions = unique(props.actions);
    this.resources = unique(props.resources);
    this.effect = props.effect ?? "Allow";
    this.conditions = props.conditions;
  }
}

/** Something that can be granted permissions: a role, a user, a function. */
export interface IGrantable {
  readonly grantPrincipal: IPrincipal;
}

/** A principal whose identity policy statements can be added to. */
export interface IPrincipal {
  /** Adds a statement to the principal's identity policy; a statement it already has is not added again. */
  addToPrincipalPolicy(statement: PolicyStatement): void;
}

/** Renders a policy document from statements, merging statements that differ only in actions. */
export function renderPolicyDocument(statements: readonly PolicyStatement[], context?: IResolveContext): string {
  const resolve = (x: unknown) => (context ? context.resolve(x) : x);
  // Merge on the *resolved* scope, so two tokens for the same attribute count as one.
  const merged = new Map<string, { effect: string; actions: string[]; resources: unknown; conditions?: unknown }>();
  for (const s of statements) {
    const resources = resolve([...s.resources]) as string[];
    const conditions = s.conditions ? resolve(s.conditions) : undefined;
    const actions = resolve([...s.actions]) as string[];
    const key = JSON.stringify([s.effect, [...resources].sort(), conditions ?? null]);
    const existing = merged.get(key);
    if (existing) {
      for (const a of actions) if (!existing.actions.includes(a)) existing.actions.push(a);
    } else {
      merged.set(key, { effect: s.effect, actions: [...actions], resources, conditions });
    }
  }
  const Statement = [...merged.values()].map((m) => {
    const resources = m.resources as string[];
    return {
      Effect: m.effect,
      Action: m.actions.length === 1 ? m.actions[0] : m.actions,
      Resource: resources.length === 1 ? resources[0] : resources,
      ...(m.conditions ? { Condition: m.conditions } : {}),
    };
  });
  return JSON.stringify({ Version: "2012-10-17", Statement });
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
