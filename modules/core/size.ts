import { Quantity, QuantityUnit } from "./quantity";

/** The binary unit 1,024^power bytes, by its symbol: bytes, KiB, MiB, GiB. */
function binaryUnit(power: 0 | 1 | 2 | 3): QuantityUnit {
  return { name: ["bytes", "KiB", "MiB", "GiB"][power], inBaseUnits: 1_024 ** power };
}

/**
 * An amount of data with its unit, for props that take bytes (AWS CDK's `Size` idiom):
 * `Size.mebibytes(5)` instead of `5242880`. Binary units (1 KiB = 1,024 bytes), as AWS uses for
 * Lambda memory, Firehose buffers and message limits. Constructs convert it with `validateSize`.
 */
export class Size extends Quantity {
  static bytes(amount: number): Size { return new Size(amount, binaryUnit(0)); }
  static kibibytes(amount: number): Size { return new Size(amount, binaryUnit(1)); }
  static mebibytes(amount: number): Size { return new Size(amount, binaryUnit(2)); }
  static gibibytes(amount: number): Size { return new Size(amount, binaryUnit(3)); }

  private constructor(amount: number, unit: QuantityUnit) {
    super("Size", amount, unit);
  }

  toBytes(): number { return this.in(binaryUnit(0)); }
  toKibibytes(): number { return this.in(binaryUnit(1)); }
  toMebibytes(): number { return this.in(binaryUnit(2)); }
  toGibibytes(): number { return this.in(binaryUnit(3)); }
}
