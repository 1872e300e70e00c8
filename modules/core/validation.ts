import { Token } from "cdktf";
import { Duration } from "./duration";
import { Size } from "./size";
import { ValidationError, ValidationScope } from "./validation-error";

// Callers import the error the validators throw from here, with them.
export { UNRESOLVED_VALUE, ValidationError } from "./validation-error";
export type { ValidationScope } from "./validation-error";

/**
 * Synth-time validation helpers. Every error names the construct, the property, the value
 * and what is allowed, and is thrown from the constructor before any resource exists, so a
 * bad configuration never produces half a stack.
 */

/** True when the value is only known at apply time (a Terraform reference): such values are not validated. */
export function isUnresolved(value: unknown): boolean {
  return value !== undefined && value !== null && Token.isUnresolved(value);
}

export interface RangeOptions {
  readonly min: number;
  /** @default no upper bound */
  readonly max?: number;
  /** Require a whole number. @default true */
  readonly integer?: boolean;
  /** Require a multiple of this, e.g. 60 for whole minutes of seconds. @default any whole number */
  readonly multipleOf?: number;
  /** The unit printed after the range, e.g. "hours". */
  readonly unit?: string;
  /** Extra values allowed outside the range, e.g. -1 for "infinite". */
  readonly alsoAllowed?: number[];
}

/** Throws unless `value` (when set and resolved) lies in [min, max]. */
export function validateRange(scope: ValidationScope, prop: string, value: number | undefined, opts: RangeOptions): void {
  if (value === undefined || isUnresolved(value)) return;
  const integer = opts.integer ?? true;
  const allowedExtra = opts.alsoAllowed ?? [];
  if (allowedExtra.includes(value)) return;
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const inRange = Number.isFinite(value) && value >= opts.min && value <= max;
  const ofStep = opts.multipleOf === undefined || value % opts.multipleOf === 0;
  if (inRange && ofStep && (!integer || Number.isInteger(value))) return;
  const unit = opts.unit ? ` ${opts.unit}` : "";
  const kind = opts.multipleOf !== undefined ? `a multiple of ${opts.multipleOf}` : integer ? "a whole number" : "a number";
  const range = Number.isFinite(max) ? ` from ${opts.min} to ${max}${unit}` : `${unit} (${opts.min} or more)`;
  const extra = allowedExtra.length > 0 ? `, or ${allowedExtra.join(" or ")}` : "";
  throw new ValidationError(scope, `${prop} must be ${kind}${range}${extra}; got ${String(value)}`);
}

/** Throws unless `value` (when set and resolved) matches `pattern`. */
export function validatePattern(
  scope: ValidationScope,
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
  scope: ValidationScope,
  prop: string,
  value: T | undefined,
  allowed: readonly T[],
): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!allowed.includes(value)) {
    throw new ValidationError(scope, `${prop} must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}`);
  }
}

type DurationUnit = "milliseconds" | "seconds" | "minutes" | "hours" | "days";
const DURATION_IN: Record<DurationUnit, (d: Duration) => number> = {
  milliseconds: (d) => d.toMilliseconds(),
  seconds: (d) => d.toSeconds(),
  minutes: (d) => d.toMinutes(),
  hours: (d) => d.toHours(),
  days: (d) => d.toDays(),
};

/**
 * The duration in `unit` (what the Terraform argument takes), after checking it is a whole
 * number of that unit within [min, max] (or one of `alsoAllowed`, e.g. -1 for "never").
 * `value` may also be a plain number already in `unit`, for props that accept both.
 */
export function validateDuration(scope: ValidationScope, prop: string, value: Duration | number | undefined, unit: DurationUnit, opts: Omit<RangeOptions, "unit">): number | undefined {
  return converted(scope, prop, value, DURATION_IN[unit], { ...opts, unit });
}

type SizeUnit = "bytes" | "kibibytes" | "mebibytes" | "gibibytes";
const SIZE_IN: Record<SizeUnit, { label: string; of: (s: Size) => number }> = {
  bytes: { label: "bytes", of: (s) => s.toBytes() },
  kibibytes: { label: "KiB", of: (s) => s.toKibibytes() },
  mebibytes: { label: "MiB", of: (s) => s.toMebibytes() },
  gibibytes: { label: "GiB", of: (s) => s.toGibibytes() },
};

/** The size in `unit`, after checking it is a whole number of that unit within [min, max]. */
export function validateSize(scope: ValidationScope, prop: string, value: Size | number | undefined, unit: SizeUnit, opts: Omit<RangeOptions, "unit">): number | undefined {
  return converted(scope, prop, value, SIZE_IN[unit].of, { ...opts, unit: SIZE_IN[unit].label });
}

/**
 * validateRange on a Duration or Size converted to the unit (a plain number is already in it),
 * naming the value as the user wrote it (`90 minutes`) too.
 */
function converted<T extends Duration | Size>(
  scope: ValidationScope,
  prop: string,
  value: T | number | undefined,
  toUnit: (value: T) => number,
  opts: RangeOptions,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") {
    validateRange(scope, prop, value, opts);
    return value;
  }
  const amount = toUnit(value);
  try {
    validateRange(scope, prop, amount, opts);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new ValidationError(scope, `${e.detail} (${value.toString()})`);
  }
  return amount;
}
