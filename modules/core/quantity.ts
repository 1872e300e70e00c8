/** A unit of one kind of quantity (a length of time, an amount of data). */
export interface QuantityUnit {
  /** As printed after the amount, plural: `minutes`, `MiB`. */
  readonly name: string;
  /** How many of the kind's smallest unit (milliseconds, bytes) one of it holds. */
  readonly inBaseUnits: number;
}

/**
 * An amount in a unit, convertible to the other units of its kind: what `Duration` and `Size`
 * share (not exported from the package; its subclasses name the units).
 */
export abstract class Quantity {
  protected constructor(
    kind: string,
    private readonly amount: number,
    private readonly unit: QuantityUnit,
  ) {
    if (!Number.isFinite(amount) || amount < 0) throw new RangeError(`${kind} must be a finite number of ${unit.name}, 0 or more; got ${amount}`);
  }

  /** The amount in `unit`: a fraction where it is not a whole number of that unit. */
  protected in(unit: QuantityUnit): number {
    return wholeWhereNearly(this.amount * this.unit.inBaseUnits) / unit.inBaseUnits;
  }

  /** As written: `5 minutes`, `1 hour`, `5 MiB`. */
  toString(): string {
    return `${this.amount} ${this.amount === 1 ? this.unit.name.replace(/s$/, "") : this.unit.name}`;
  }
}

/**
 * The amount in base units, snapped to the whole number it lies within rounding error of:
 * `1.1` hours is 3960000.0000000005 ms in floating point, and a whole number of base units
 * divides into a whole number of a larger unit exactly, so `Duration.hours(1.1).toSeconds()` is
 * 3960 rather than a value validation would reject. The tolerance (relative, 1e-12) is far
 * above float error (about 1e-16) and far below any amount anyone means.
 */
function wholeWhereNearly(baseUnits: number): number {
  const whole = Math.round(baseUnits);
  return Math.abs(baseUnits - whole) <= 1e-12 * Math.max(1, whole) ? whole : baseUnits;
}
