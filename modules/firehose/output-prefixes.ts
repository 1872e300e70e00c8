import { Construct } from "constructs";
import { ValidationError } from "../core/validation";

export interface OutputPrefixProps {
  /** Object key prefix; may use `!{timestamp:…}`, `!{firehose:random-string}` and `!{partitionKeyFrom…:…}` (others are refused). @default Firehose's `YYYY/MM/dd/HH/` */
  readonly dataOutputPrefix?: string;
  /** Prefix of objects that failed; required when dataOutputPrefix uses `!{…}`, and must then use `!{firehose:error-output-type}`. @default Firehose's */
  readonly errorOutputPrefix?: string;
}

const EXPRESSION = /!\{[^}]*\}/;
const ERROR_OUTPUT_TYPE = "!{firehose:error-output-type}";
/** Every `!{...}` expression of a prefix. */
const EXPRESSIONS = /!\{[^}]*\}/g;
/**
 * The expressions Firehose evaluates (docs: "Custom prefixes for Amazon S3 objects"): a Java
 * DateTimeFormatter pattern of the arrival time, the two firehose values, and the dynamic
 * partitioning keys.
 */
const KNOWN_EXPRESSION = /^!\{(timestamp:[^}]+|firehose:(error-output-type|random-string)|partitionKeyFromQuery:[^}]+|partitionKeyFromLambda:[^}]+)\}$/;
const KNOWN_EXPRESSIONS =
  "!{timestamp:<format>}, !{firehose:error-output-type}, !{firehose:random-string}, !{partitionKeyFromQuery:<key>}, !{partitionKeyFromLambda:<key>}";

/** A destination's object key prefixes, checked against AWS's rules at synth instead of at apply. */
export class OutputPrefixes {
  readonly dataOutputPrefix?: string;
  readonly errorOutputPrefix?: string;

  constructor(scope: Construct, props: OutputPrefixProps) {
    const data = props.dataOutputPrefix;
    const error = props.errorOutputPrefix;
    for (const [prop, value] of [["dataOutputPrefix", data], ["errorOutputPrefix", error]] as const) {
      const unknown = value?.match(EXPRESSIONS)?.find((expression) => !KNOWN_EXPRESSION.test(expression));
      if (unknown !== undefined) {
        throw new ValidationError(scope, `destination.${prop} uses the unknown expression ${unknown}; Firehose evaluates ${KNOWN_EXPRESSIONS}; got ${JSON.stringify(value)}`);
      }
    }
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
