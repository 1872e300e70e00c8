import { Construct } from "constructs";
import { ValidationError } from "../core/validation";

export interface OutputPrefixProps {
  /** Object key prefix; may use `!{timestamp:…}` and `!{firehose:random-string}`. @default Firehose's `YYYY/MM/dd/HH/` */
  readonly dataOutputPrefix?: string;
  /** Prefix of objects that failed; required when dataOutputPrefix uses `!{…}`, and must then use `!{firehose:error-output-type}`. @default Firehose's */
  readonly errorOutputPrefix?: string;
}

const EXPRESSION = /!\{[^}]*\}/;
const ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}";

/** A destination's object key prefixes, checked against AWS's rules at synth instead of at apply. */
export class OutputPrefixes {
  readonly dataOutputPrefix?: string;
  readonly errorOutputPrefix?: string;

  constructor(scope: Construct, props: OutputPrefixProps) {
    const data = props.dataOutputPrefix;
    const error = props.errorOutputPrefix;
    if (data !== undefined && EXPRESSION.test(data) && error === undefined) {
      throw new ValidationError(
        scope,
        `destination.errorOutputPrefix is required when dataOutputPrefix uses !{...} expressions; dataOutputPrefix is ${JSON.stringify(data)}`,
      );
    }
    if (data?.includes(ERROR_OUTPUT_TYPE)) {
      throw new ValidationError(scope, `destination.dataOutputPrefix must not use ${ERROR_OUTPUT_TYPE}; got ${JSON.stringify(data)}`);
    }
    if (error !== undefined && EXPRESSION.test(error) && !error.includes(ERROR_OUTPUT_TYPE)) {
      throw new ValidationError(scope, `destination.errorOutputPrefix must include ${ERROR_OUTPUT_TYPE} when it uses expressions; got ${JSON.stringify(error)}`);
    }
    for (const [prop, value] of [["dataOutputPrefix", data], ["errorOutputPrefix", error]] as const) {
      if (value !== undefined && (value.length > 1024 || value.startsWith("/"))) {
        throw new ValidationError(scope, `destination.${prop} must be at most 1024 characters and not start with "/"; got ${JSON.stringify(value.slice(0, 40))}`);
      }
    }
    this.dataOutputPrefix = data;
    this.errorOutputPrefix = error;
  }
}
