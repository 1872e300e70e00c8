import { types } from "util";
import { Construct } from "constructs";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { KinesisStreamConsumer } from "@cdktf/provider-aws/lib/kinesis-stream-consumer";
import { IDataStream } from "../kinesis/data-stream";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { Duration } from "../core/duration";
import { isUnresolved, validateDuration, validateOneOf, validatePattern, validateRange, ValidationError, ValidationScope } from "../core/validation";
import type { IEventSource, NodejsFunction } from "./nodejs-function";

/**
 * Where in the stream a new mapping starts reading: TRIM_HORIZON, the oldest record still there
 * (nothing is skipped); LATEST, records put from then on; AT_TIMESTAMP, from `startingPositionTimestamp`.
 */
export enum StartingPosition { TRIM_HORIZON = "TRIM_HORIZON", LATEST = "LATEST", AT_TIMESTAMP = "AT_TIMESTAMP" }

/** Metrics a Kinesis mapping can publish (AWS/Lambda, by EventSourceMappingUUID): EVENT_COUNT, events polled, filtered, dropped, failed and processed. The others are Kafka's. */
export enum MetricType { EVENT_COUNT = "EventCount" }

/**
 * Where a mapping sends the record of a batch it gave up on (its shard and sequence-number
 * range; the records stay readable in the stream until they expire). The mapping sends it with
 * the function's role, so binding grants that role what the send needs.
 */
export interface IEventSourceDlq {
  /** Grants `target` the send and returns the destination ARN. */
  bind(target: IGrantable): string;
}

export interface KinesisEventSourceProps {
  /** Where a new mapping starts reading. */
  readonly startingPosition: StartingPosition;
  /** The time to start from: required with AT_TIMESTAMP, not allowed otherwise; a Date or an RFC 3339 string. @default none */
  readonly startingPositionTimestamp?: Date | string;
  /** Records per invocation, 1–10,000. @default 100 */
  readonly batchSize?: number;
  /** How long to gather records before invoking, 0–300 seconds. @default none: invoke as records arrive */
  readonly maxBatchingWindow?: Duration;
  /** Batches of one shard processed at once, 1–10 (records of one partition key stay in order). @default 1 */
  readonly parallelizationFactor?: number;
  /** Aggregate over windows of this length (the handler receives and returns its state), 0–900 seconds. @default none */
  readonly tumblingWindow?: Duration;
  /** Event filter patterns (e.g. `{ data: { type: ["order"] } }`), at most 5; records matching none are skipped. @default none */
  readonly filters?: Array<Record<string, unknown>>;
  /** Mapping metrics to publish. @default none */
  readonly metricsConfig?: { readonly metrics: MetricType[] };
  /** On a function error, split the batch in two and retry each half (does not count as a retry). @default false */
  readonly bisectBatchOnError?: boolean;
  /** Retries of a failing batch, -1 (until the records expire) to 10,000. @default -1 */
  readonly retryAttempts?: number;
  /** Records older than this are given up on: 60 seconds to 7 days, or -1 (until they expire). @default -1 */
  readonly maxRecordAge?: Duration | -1;
  /** The function reports failed records by sequence number (`batchItemFailures`); only they are retried. @default false */
  readonly reportBatchItemFailures?: boolean;
  /** Where to record batches given up on: `SqsDlq`, `SnsDlq` or `S3OnFailureDestination`. @default none: they are skipped silently */
  readonly onFailure?: IEventSourceDlq;
  /**
   * Read through an enhanced fan-out consumer of its own: pushed records and 2 MB/s per shard that
   * no other reader shares, instead of polling the shard's shared 2 MB/s. @default false
   */
  readonly enhancedFanOut?: boolean;
  /** Name of the enhanced fan-out consumer, `[a-zA-Z0-9_.-]{1,128}`. @default the function's name */
  readonly consumerName?: string;
  /** Whether the mapping reads the stream. @default true */
  readonly enabled?: boolean;
}

/** Where `bind` creates the mapping (and the fan-out consumer). */
export interface EventSourceBindOptions {
  /** @default the function */
  readonly scope?: Construct;
  /** Construct id of the mapping; the consumer's is `<id>-Consumer`. @default `KinesisEventSource-<stream's construct id>` */
  readonly id?: string;
}

/**
 * RFC 3339 date-time as Terraform checks it (Go's time.RFC3339): full date, `T`, time with an
 * optional fraction, and `Z` or an offset; upper-case `T` and `Z` only.
 */
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;
const MAX_FILTERS = 5;

/**
 * A Kinesis data stream as the event source of a function (AWS CDK's `KinesisEventSource`):
 * `fn.addEventSource(new KinesisEventSource(stream, { startingPosition: StartingPosition.LATEST }))`.
 * The options are validated here, before anything is created; `bind` creates the event source
 * mapping (after the role's policy, which Lambda checks when it creates it), grants the role read
 * on the stream and the on-failure send, and with `enhancedFanOut` creates the stream consumer
 * the mapping reads through.
 */
export class KinesisEventSource implements IEventSource {
  private readonly props: KinesisEventSourceProps;
  /** How errors name this source: it is not in the construct tree (bind puts the mapping there). */
  private readonly label: string;
  private readonly startingPositionTimestamp?: string;
  private readonly seconds: { maxBatchingWindow?: number; tumblingWindow?: number; maxRecordAge?: number };
  private bound?: { mapping: LambdaEventSourceMapping; consumer?: KinesisStreamConsumer };

  constructor(
    readonly stream: IDataStream,
    props: KinesisEventSourceProps,
  ) {
    this.label = `KinesisEventSource(${stream.node.path})`;
    const scope = this.label;
    validateOneOf(scope, "startingPosition", props.startingPosition, Object.values(StartingPosition));
    validateRange(scope, "batchSize", props.batchSize, { min: 1, max: 10000, unit: "records" });
    validateRange(scope, "parallelizationFactor", props.parallelizationFactor, { min: 1, max: 10 });
    validateRange(scope, "retryAttempts", props.retryAttempts, { min: -1, max: 10000 });
    this.seconds = {
      maxBatchingWindow: validateDuration(scope, "maxBatchingWindow", props.maxBatchingWindow, "seconds", { min: 0, max: 300 }),
      tumblingWindow: validateDuration(scope, "tumblingWindow", props.tumblingWindow, "seconds", { min: 0, max: 900 }),
      maxRecordAge: validateDuration(scope, "maxRecordAge", props.maxRecordAge, "seconds", { min: 60, max: 604800, alsoAllowed: [-1] }),
    };
    this.startingPositionTimestamp = startingPositionTimestamp(scope, props);
    if ((props.filters?.length ?? 0) > MAX_FILTERS) {
      throw new ValidationError(scope, `filters may hold at most ${MAX_FILTERS} patterns; got ${props.filters!.length}`);
    }
    for (const metric of props.metricsConfig?.metrics ?? []) validateOneOf(scope, "metricsConfig.metrics[]", metric, Object.values(MetricType));
    if (props.consumerName !== undefined && !props.enhancedFanOut) {
      throw new ValidationError(scope, "consumerName applies to enhancedFanOut only; set enhancedFanOut: true or drop consumerName");
    }
    validatePattern(scope, "consumerName", props.consumerName, /^[a-zA-Z0-9_.-]{1,128}$/, "1–128 characters of [a-zA-Z0-9_.-]");
    this.props = props;
  }

  /** The mapping, once bound. */
  get eventSourceMapping(): LambdaEventSourceMapping {
    if (!this.bound) throw new Error(`${this.label} is not bound yet: add it to a function first`);
    return this.bound.mapping;
  }

  /** The enhanced fan-out consumer, once bound with `enhancedFanOut`. */
  get streamConsumer(): KinesisStreamConsumer | undefined {
    return this.bound?.consumer;
  }

  /** Creates the mapping to `target` and grants its role what the mapping does with it. One function per source. */
  bind(target: NodejsFunction, options: EventSourceBindOptions = {}): LambdaEventSourceMapping {
    if (this.bound) throw new Error(`${this.label} is bound already: create one per function`);
    const scope = options.scope ?? target;
    const id = options.id ?? `KinesisEventSource-${this.stream.node.id}`;
    const p = this.props;

    this.stream.grantRead(target);
    const consumer = p.enhancedFanOut ? this.createConsumer(scope, `${id}-Consumer`, target) : undefined;
    const destinationArn = p.onFailure?.bind(target);
    const mapping = new LambdaEventSourceMapping(scope, id, {
      eventSourceArn: consumer ? consumer.arn : this.stream.streamArn,
      functionName: target.functionArn,
      enabled: p.enabled,
      startingPosition: p.startingPosition,
      startingPositionTimestamp: this.startingPositionTimestamp,
      batchSize: p.batchSize,
      maximumBatchingWindowInSeconds: this.seconds.maxBatchingWindow,
      parallelizationFactor: p.parallelizationFactor,
      tumblingWindowInSeconds: this.seconds.tumblingWindow,
      bisectBatchOnFunctionError: p.bisectBatchOnError,
      maximumRetryAttempts: p.retryAttempts,
      maximumRecordAgeInSeconds: this.seconds.maxRecordAge,
      functionResponseTypes: p.reportBatchItemFailures ? ["ReportBatchItemFailures"] : undefined,
      destinationConfig: destinationArn === undefined ? undefined : { onFailure: { destinationArn } },
      filterCriteria: p.filters?.length ? { filter: p.filters.map((f) => ({ pattern: JSON.stringify(f) })) } : undefined,
      metricsConfig: p.metricsConfig ? { metrics: [...p.metricsConfig.metrics] } : undefined,
      // Lambda checks the role's permissions when it creates the mapping: PolicyDependencyAspect
      // orders it after the role's policy at synth (the mapping names the function, which names the role).
    });
    this.bound = { mapping, consumer };
    return mapping;
  }

  /** The stream consumer the mapping reads through; the role may subscribe to its shards. */
  private createConsumer(scope: Construct, id: string, target: NodejsFunction): KinesisStreamConsumer {
    const consumer = new KinesisStreamConsumer(scope, id, {
      name: this.props.consumerName ?? target.functionName,
      streamArn: this.stream.streamArn,
    });
    target.addToRolePolicy(
      new PolicyStatement({ actions: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"], resources: [consumer.arn] }),
    );
    return consumer;
  }
}

/** The AT_TIMESTAMP start time as Terraform takes it (RFC 3339), after checking it is given exactly when it applies. */
function startingPositionTimestamp(scope: ValidationScope, props: KinesisEventSourceProps): string | undefined {
  const ts = props.startingPositionTimestamp;
  if (props.startingPosition !== StartingPosition.AT_TIMESTAMP) {
    if (ts === undefined) return undefined;
    throw new ValidationError(scope, `startingPositionTimestamp applies to AT_TIMESTAMP only; startingPosition is ${props.startingPosition}`);
  }
  if (ts === undefined) throw new ValidationError(scope, "startingPositionTimestamp is required when startingPosition is AT_TIMESTAMP");
  // types.isDate, not instanceof: a Date made in another realm (a vm context, a test sandbox) counts too.
  if (types.isDate(ts)) {
    if (Number.isNaN(ts.getTime())) throw new ValidationError(scope, "startingPositionTimestamp must be a valid Date; got an Invalid Date");
    return ts.toISOString().replace(/\.000Z$/, "Z");
  }
  if (!isUnresolved(ts) && !isRfc3339DateTime(ts)) {
    throw new ValidationError(scope, `startingPositionTimestamp must be an RFC 3339 time such as 2026-01-31T12:00:00Z; got ${JSON.stringify(ts)}`);
  }
  return ts;
}

/**
 * True when `ts` is an RFC 3339 date-time naming a real time: the date and time as written are a
 * calendar day and a time of day (no February 30, hour 24 or second 60), the offset under 24 hours.
 */
function isRfc3339DateTime(ts: string): boolean {
  const match = RFC_3339.exec(ts);
  if (!match) return false;
  const fields = match.slice(1, 7).map(Number);
  const [year, month, day, hour, minute, second] = fields;
  const [offsetHours, offsetMinutes] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  const written = new Date(0);
  written.setUTCFullYear(year, month - 1, day);
  written.setUTCHours(hour, minute, second);
  const asWritten = [written.getUTCFullYear(), written.getUTCMonth() + 1, written.getUTCDate(), written.getUTCHours(), written.getUTCMinutes(), written.getUTCSeconds()];
  return asWritten.every((value, i) => value === fields[i]) && offsetHours < 24 && offsetMinutes < 60;
}
