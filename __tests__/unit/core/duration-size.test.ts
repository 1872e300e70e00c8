import { Duration, Size, validateDuration, validateSize } from "../../../modules";
import { newStack } from "../../helpers/synth";

/** The error a call throws (its class is checked by name: the library may come from another realm). */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

describe("Duration", () => {
  it("converts between units", () => {
    expect(Duration.minutes(5).toSeconds()).toBe(300);
    expect(Duration.hours(24).toSeconds()).toBe(86_400);
    expect(Duration.days(7).toHours()).toBe(168);
    expect(Duration.seconds(90).toMinutes()).toBe(1.5);
    expect(Duration.millis(1500).toSeconds()).toBe(1.5);
    expect(Duration.days(1).toMilliseconds()).toBe(86_400_000);
    expect(Duration.hours(36).toDays()).toBe(1.5);
  });

  it("converts a fraction of a unit without float error, so a whole number of the target unit stays whole", () => {
    // 1.1 * 3,600,000 ms is 3960000.0000000005 in floating point.
    expect(Duration.hours(1.1).toSeconds()).toBe(3_960);
    expect(Duration.days(2.3).toSeconds()).toBe(198_720);
    expect(Duration.seconds(1.005).toMilliseconds()).toBe(1_005);
    expect(Duration.millis(1).toSeconds()).toBe(0.001); // a true fraction stays one
  });

  it("prints as written", () => {
    expect(Duration.minutes(5).toString()).toBe("5 minutes");
    expect(Duration.hours(1).toString()).toBe("1 hour");
  });

  it("rejects negative and non-finite amounts", () => {
    expect(() => Duration.seconds(-1)).toThrow("Duration must be a finite number of seconds, 0 or more; got -1");
    expect(thrownBy(() => Duration.minutes(Number.NaN))).toMatchObject({ name: "RangeError", message: "Duration must be a finite number of minutes, 0 or more; got NaN" });
  });
});

describe("Size", () => {
  it("uses binary units", () => {
    expect(Size.kibibytes(1).toBytes()).toBe(1_024);
    expect(Size.mebibytes(1).toBytes()).toBe(1_048_576);
    expect(Size.gibibytes(10).toMebibytes()).toBe(10_240);
    expect(Size.mebibytes(5).toString()).toBe("5 MiB");
  });

  it("converts to every unit, a fraction where it is not a whole number of it", () => {
    expect(Size.gibibytes(2).toKibibytes()).toBe(2_097_152);
    expect(Size.mebibytes(512).toGibibytes()).toBe(0.5);
    expect(Size.bytes(1).toString()).toBe("1 byte");
  });

  it("rejects negative and non-finite amounts", () => {
    expect(() => Size.mebibytes(-1)).toThrow("Size must be a finite number of MiB, 0 or more; got -1");
    expect(thrownBy(() => Size.bytes(Number.POSITIVE_INFINITY))).toMatchObject({ name: "RangeError", message: "Size must be a finite number of bytes, 0 or more; got Infinity" });
  });
});

describe("validateDuration / validateSize", () => {
  const scope = () => newStack().stack;

  it("return the amount in the unit Terraform takes", () => {
    expect(validateDuration(scope(), "timeout", Duration.minutes(2), "seconds", { min: 1, max: 900 })).toBe(120);
    expect(validateDuration(scope(), "timeout", 30, "seconds", { min: 1, max: 900 })).toBe(30);
    expect(validateDuration(scope(), "timeout", undefined, "seconds", { min: 1, max: 900 })).toBeUndefined();
    expect(validateSize(scope(), "memorySize", Size.gibibytes(1), "mebibytes", { min: 128, max: 10_240 })).toBe(1_024);
  });

  it("name the property, the range and the value as written when out of range", () => {
    expect(() => validateDuration(scope(), "timeout", Duration.minutes(20), "seconds", { min: 1, max: 900 })).toThrow(
      "test: timeout must be a whole number from 1 to 900 seconds; got 1200 (20 minutes)",
    );
    expect(() => validateSize(scope(), "bufferSize", Size.kibibytes(512), "mebibytes", { min: 1, max: 128 })).toThrow(
      "test: bufferSize must be a whole number from 1 to 128 MiB; got 0.5 (512 KiB)",
    );
  });

  it("accept a whole number of the unit written as a fraction of a larger one", () => {
    expect(validateDuration(scope(), "maxSessionDuration", Duration.hours(1.1), "seconds", { min: 3_600, max: 43_200 })).toBe(3_960);
  });

  it("reject a value that is not a whole number of the unit", () => {
    expect(() => validateDuration(scope(), "timeout", Duration.millis(1500), "seconds", { min: 1, max: 900 })).toThrow(
      "timeout must be a whole number from 1 to 900 seconds; got 1.5 (1500 milliseconds)",
    );
  });
});
