/**
 * An amount of data with its unit, for props that take bytes (AWS CDK's `Size` idiom):
 * `Size.mebibytes(5)` instead of `5242880`. Binary units (1 KiB = 1,024 bytes), as AWS uses for
 * Lambda memory, Firehose buffers and message limits. Constructs convert it with `validateSize`.
 */
export class Size {
  static bytes(amount: number): Size {
    return new Size(amount, "bytes", 1);
  }
  static kibibytes(amount: number): Size {
    return new Size(amount, "KiB", 1_024);
  }
  static mebibytes(amount: number): Size {
    return new Size(amount, "MiB", 1_048_576);
  }
  static gibibytes(amount: number): Size {
    return new Size(amount, "GiB", 1_073_741_824);
  }

  private constructor(
    private readonly amount: number,
    private readonly unit: string,
    private readonly bytesPerUnit: number,
  ) {
    if (!Number.isFinite(amount) || amount < 0) throw new RangeError(`Size must be a finite number of ${unit}, 0 or more; got ${amount}`);
  }

  toBytes(): number {
    return this.amount * this.bytesPerUnit;
  }
  toKibibytes(): number {
    return this.toBytes() / 1_024;
  }
  toMebibytes(): number {
    return this.toBytes() / 1_048_576;
  }
  toGibibytes(): number {
    return this.toBytes() / 1_073_741_824;
  }

  /** As written: `5 MiB`. */
  toString(): string {
    return `${this.amount} ${this.unit}`;
  }
}
