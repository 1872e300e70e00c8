import { Token } from "cdktf";
import { Construct } from "constructs";

/**
 * Synth-time validation helpers. Every error names the construct, the property, the value
 * and what is allowed, and is thrown from the constructor before any resource exists, so a
 * bad configuration never produces half a stack.
 */

/** The error thrown for an invalid construct property. */
export class ValidationError extends Error {
  constructor(scope: Construct, message: string) {
    super(`${scope.node.path}: ${message}`);
    this.name = "ValidationError";
  }
}

/** True when the value is only known at apply time (a Terraform reference): such values are not validated. */
export function isUnresolved(value: unknown): boolean {
  return value !== undefined && value !== null && Token.isUnresolved(value);
}

export interface RangeOptions {
  readonly min: number;
  readonly max: number;
  /** Require a whole number. @default true */
  readonly integer?: boolean;
  /** The unit printed after the range, e.g. "hours". */
  readonly unit?: string;
  /** Extra values allowed outside the range, e.g. -1 for "infinite". */
  readonly alsoAllowed?: number[];
}

/** Throws unless `value` (when set and resolved) lies in [min, max]. */
export function validateRange(scope: Construct, prop: string, value: number | undefined, opts: RangeOptions): void {
  if (value === undefined || isUnresolved(value)) return;
  const integer = opts.integer ?? true;
  const allowedExtra = opts.alsoAllowed ?? [];
  if (allowedExtra.includes(value)) return;
  const inRange = Number.isFinite(value) && value >= opts.min && value <= opts.max;
  if (inRange && (!integer || Number.isInteger(value))) return;
  const unit = opts.unit ? ` ${opts.unit}` : "";
  const kind = integer ? "a whole number" : "a number";
  const extra = allowedExtra.length > 0 ? `, or ${allowedExtra.join(" or ")}` : "";
  throw new ValidationError(
    scope,
    `${prop} must be ${kind} from ${opts.min} to ${opts.max}${unit}${extra}; got ${String(value)}`,
  );
}

/** Throws unless `value` (when set and resolved) matches `pattern`. */
export function validatePattern(
  scope: Construct,
  prop: string,
  value: string | undefined,
  pattern: RegExp,
  description: string,
): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!pattern.test(value)) {
    throw new ValidationError(scope, `${prop} must be ${description}; got ${JSON.stringify(value)}`);
  }
}

/** Throws unless `value` is one of `allowed`. */
export function validateOneOf<T extends string | number>(
  scope: Construct,
  prop: string,
  value: T | undefined,
  allowed: readonly T[],
): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!allowed.includes(value)) {
    throw new ValidationError(scope, `${prop} must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}`);
  }
}
