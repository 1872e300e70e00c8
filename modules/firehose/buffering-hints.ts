import { Construct } from "constructs";
import { Duration } from "../core/duration";
import { Size } from "../core/size";
import { validateDuration, validateSize } from "../core/validation";

export interface BufferingProps {
  /** How long Firehose buffers records before writing an object, 0–900 s. @default Duration.seconds(300) */
  readonly bufferingInterval?: Duration;
  /** How much it buffers before writing an object, 1–128 MiB. @default Size.mebibytes(5) */
  readonly bufferingSize?: Size;
}

/** A destination's buffering hints, validated, in the units Terraform takes: whichever is reached first writes an object. */
export class BufferingHints {
  readonly intervalSeconds: number;
  readonly sizeMiB: number;

  constructor(scope: Construct, props: BufferingProps) {
    this.intervalSeconds = validateDuration(scope, "destination.bufferingInterval", props.bufferingInterval, "seconds", { min: 0, max: 900 }) ?? 300;
    this.sizeMiB = validateSize(scope, "destination.bufferingSize", props.bufferingSize, "mebibytes", { min: 1, max: 128 }) ?? 5;
  }
}
