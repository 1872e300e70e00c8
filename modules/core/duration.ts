import { Quantity, QuantityUnit } from "./quantity";

const MILLISECONDS: QuantityUnit = { name: "milliseconds", inBaseUnits: 1 };
const SECONDS: QuantityUnit = { name: "seconds", inBaseUnits: 1_000 };
const MINUTES: QuantityUnit = { name: "minutes", inBaseUnits: 60_000 };
const HOURS: QuantityUnit = { name: "hours", inBaseUnits: 3_600_000 };
const DAYS: QuantityUnit = { name: "days", inBaseUnits: 86_400_000 };

/**
 * A length of time with its unit, for props that take time (AWS CDK's `Duration` idiom):
 * `Duration.minutes(5)` reads better than `300` and cannot be mistaken for milliseconds.
 * Constructs convert it to the unit Terraform wants with `validateDuration`, which rejects a
 * value out of range, or one that is not a whole number of that unit, at synth.
 */
export class Duration extends Quantity {
  static millis(amount: number): Duration { return new Duration(amount, MILLISECONDS); }
  static seconds(amount: number): Duration { return new Duration(amount, SECONDS); }
  static minutes(amount: number): Duration { return new Duration(amount, MINUTES); }
  static hours(amount: number): Duration { return new Duration(amount, HOURS); }
  static days(amount: number): Duration { return new Duration(amount, DAYS); }

  private constructor(amount: number, unit: QuantityUnit) {
    super("Duration", amount, unit);
  }

  toMilliseconds(): number { return this.in(MILLISECONDS); }
  toSeconds(): number { return this.in(SECONDS); }
  toMinutes(): number { return this.in(MINUTES); }
  toHours(): number { return this.in(HOURS); }
  toDays(): number { return this.in(DAYS); }
}
