/**
 * A length of time with its unit, for props that take time (AWS CDK's `Duration` idiom):
 * `Duration.minutes(5)` reads better than `300` and cannot be mistaken for milliseconds.
 * Constructs convert it to the unit Terraform wants with `validateDuration`, which rejects a
 * value out of range, or one that is not a whole number of that unit, at synth.
 */
export class Duration {
  static millis(amount: number): Duration {
    return new Duration(amount, "milliseconds", 1);
  }
  static seconds(amount: number): Duration {
    return new Duration(amount, "seconds", 1_000);
  }
  static minutes(amount: number): Duration {
    return new Duration(amount, "minutes", 60_000);
  }
  static hours(amount: number): Duration {
    return new Duration(amount, "hours", 3_600_000);
  }
  static days(amount: number): Duration {
    return new Duration(amount, "days", 86_400_000);
  }

  private constructor(
    private readonly amount: number,
    private readonly unit: string,
    private readonly millisPerUnit: number,
  ) {
    if (!Number.isFinite(amount) || amount < 0) throw new RangeError(`Duration must be a finite number of ${unit}, 0 or more; got ${amount}`);
  }

  toMilliseconds(): number {
    return this.amount * this.millisPerUnit;
  }
  toSeconds(): number {
    return this.toMilliseconds() / 1_000;
  }
  toMinutes(): number {
    return this.toMilliseconds() / 60_000;
  }
  toHours(): number {
    return this.toMilliseconds() / 3_600_000;
  }
  toDays(): number {
    return this.toMilliseconds() / 86_400_000;
  }

  /** As written: `5 minutes`. */
  toString(): string {
    return `${this.amount} ${this.amount === 1 ? this.unit.replace(/s$/, "") : this.unit}`;
  }
}
