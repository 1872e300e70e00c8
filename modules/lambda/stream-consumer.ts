import { Construct } from "constructs";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IDataStream } from "../kinesis/data-stream";
import { IEventTable, KeyAttribute } from "../dynamodb/event-table";
import { EncryptionKey, IEncryptionKey } from "../kms/encryption-key";
import { IBucket, SecureBucket } from "../s3/secure-bucket";
import { PolicyStatement } from "../iam/policy-statement";
import { IQueue, Queue } from "../sqs/queue";
import { Metric, MetricOptions } from "../cloudwatch/metric";
import { NodejsFunction, NodejsFunctionProps } from "./nodejs-function";
import { KinesisEventSource, KinesisEventSourceProps, StartingPosition } from "./kinesis-event-source";
import { SqsDlq } from "./sqs-dlq";
import { S3OnFailureDestination } from "./s3-on-failure-destination";
import { Duration } from "../core/duration";
import { uniqueName } from "../core/naming";
import { skipCheckov } from "../core/checkov";
import { validateDuration, validateOneOf, ValidationError } from "../core/validation";

/** Where the mapping records a batch it gave up on (records older than `maxRecordAge`). */
export enum FailureDestination {
  /** The failure bucket: Lambda writes the whole invocation record, payloads included. */
  S3_BUCKET = "S3_BUCKET",
  /** An SQS queue: shard and sequence-number range only; the payloads stay in the stream until they expire. */
  SQS_QUEUE = "SQS_QUEUE",
}

/** The one hour a person has, at least, between the mapping giving up on a record and the stream dropping it. */
const RECORD_AGE_MARGIN_SECONDS = 3600;
/** Kinesis's shortest retention, assumed for a stream whose retention is not known. */
const MIN_STREAM_RETENTION_SECONDS = 24 * 3600;
/** Lambda's longest maximum record age. */
const MAX_RECORD_AGE_SECONDS = 7 * 24 * 3600;
/** Where the handler writes records too large for a parking message. */
export const PARKED_PREFIX = "parked/";

export interface StreamConsumerProps
  extends Omit<KinesisEventSourceProps, "startingPosition" | "maxBatchingWindow" | "bisectBatchOnError" | "retryAttempts" | "maxRecordAge" | "reportBatchItemFailures" | "onFailure"> {
  /** The stream to consume. */
  readonly stream: IDataStream;
  /** The table the records are written to; with the bundled handler its partition (and sort) key must be of type "S" (string attributes of every record). */
  readonly table: IEventTable;
  /**
   * Your own handler: an absolute path to the entry file exporting `handler`. It gets the same
   * environment (`TABLE_NAME`, `PARTITION_KEY`, `SORT_KEY`), grants and mapping, and should return
   * `batchItemFailures`. @default the bundled `lambda-src/stream-consumer` handler
   */
  readonly entry?: string;
  /** @default StartingPosition.TRIM_HORIZON (nothing already in the stream is skipped) */
  readonly startingPosition?: StartingPosition;
  /** How long to gather records before invoking, 0–300 seconds. @default Duration.seconds(1) */
  readonly maxBatchingWindow?: Duration;
  /** Split a failing batch in two and retry each half, isolating bad records. @default true */
  readonly bisectBatchOnError?: boolean;
  /** Retries of a failing batch, -1 (bounded by `maxRecordAge` only) to 10,000. @default -1 */
  readonly retryAttempts?: number;
  /**
   * Records older than this are given up on (to the failure destination), at least one hour
   * before the stream drops them: 60 seconds to 7 days, and at most the stream's retention minus
   * one hour. @default the stream's retention minus one hour (23 hours when it is not known), at most 7 days
   */
  readonly maxRecordAge?: Duration;
  /** Where the mapping records batches it gave up on. @default FailureDestination.S3_BUCKET, or SQS_QUEUE when `failureQueue` is given */
  readonly failureDestination?: FailureDestination;
  /** An existing queue to send failures to (SQS_QUEUE), instead of creating one. @default a queue created here */
  readonly failureQueue?: IQueue;
  /** Retention of the created failure queue, 60 seconds to 14 days. @default Duration.days(14) (the maximum) */
  readonly failureQueueRetentionPeriod?: Duration;
  /** Name of the created failure queue, `[a-zA-Z0-9_-]{1,80}`. @default `<construct path>-<hash>-failures` */
  readonly failureQueueName?: string;
  /** A KMS key for the created failure queue. @default SQS-managed encryption (SSE-SQS) */
  readonly failureQueueEncryptionKey?: IEncryptionKey;
  /** Name of the parking queue (poison records with their payload), `[a-zA-Z0-9_-]{1,80}`. @default `<construct path>-<hash>-parking` */
  readonly parkingQueueName?: string;
  /** Encrypts the parking queue and the failure bucket. @default a customer-managed key created here */
  readonly encryptionKey?: IEncryptionKey;
  /** Prefix of the failure bucket's name (on-failure records and `parked/` large records), `[a-z0-9.-]{1,37}`. @default from the construct path */
  readonly failureBucketPrefix?: string;
  /** Server access logs of the failure bucket go here. @default none */
  readonly failureBucketAccessLogs?: IBucket;
  /** How long the failure bucket keeps an object, 1–36,500 whole days. @default Duration.days(90) */
  readonly failureBucketExpiration?: Duration;
  /** Park a record whose Kinesis partition key differs from its partition-key attribute (`partition-key-mismatch`). @default true */
  readonly partitionKeyMustMatch?: boolean;
  /** Age of the oldest parked record that raises the parking-age alarm, 1 minute to 14 days. @default Duration.days(1) */
  readonly parkingAgeAlarmThreshold?: Duration;
  /** Consumer lag that raises the iterator-age alarm, 1 second to 7 days. @default Duration.minutes(10) */
  readonly iteratorAgeAlarmThreshold?: Duration;
  /** Create the iterator-age, error, parking and failure-queue alarms. @default true */
  readonly alarms?: boolean;
  /** @default none */
  readonly alarmActions?: string[];
  /** Function settings (entry, bundling and table environment are set by the construct). @default 256 MB, 60 s */
  readonly function?: Omit<NodejsFunctionProps, "entry" | "environment"> & { environment?: Record<string, string> };
}

/**
 * Kinesis → Lambda → DynamoDB, losing nothing: the bundled `lambda-src/stream-consumer` handler
 * (or your own) parks a record that can never be written, with its payload, in an encrypted
 * parking queue (an S3 object under `parked/` when too large for a message) and reports
 * transient failures for retry; a deployment failure fails the invocation. The mapping retries
 * without a count until `maxRecordAge`, which stays an hour or more below the stream's retention,
 * then records the batch in the failure destination: by default an encrypted S3 bucket that
 * receives the whole invocation record, payloads included.
 */
export class StreamConsumer extends Construct {
  readonly function: NodejsFunction;
  readonly eventSource: KinesisEventSource;
  readonly eventSourceMapping: LambdaEventSourceMapping;
  /** Poison records with their payload (the parking contract's messages). */
  readonly parkingQueue: Queue;
  /** The mapping's S3 on-failure destination (unless SQS_QUEUE) and the home of `parked/` large records. */
  readonly failureBucket: SecureBucket;
  /** The on-failure queue, with FailureDestination.SQS_QUEUE only. */
  readonly failureQueue?: IQueue;
  readonly failureQueueArn?: string;
  readonly failureQueueUrl?: string;
  readonly encryptionKey: IEncryptionKey;
  readonly alarms: CloudwatchMetricAlarm[] = [];

  /**
   * Throws unless the table's keys are strings: the bundled handler reads them from each record
   * as non-empty JSON strings (records.ts \`keyValue\`) and parks any other record as poison, so an
   * "N" or "B" key would park every record. The pipeline calls it before creating its table.
   */
  static validateKeyTypes(scope: Construct, table: Pick<IEventTable, "sortKey"> & { readonly partitionKey?: KeyAttribute }): void {
    for (const [prop, key] of [["partitionKey", table.partitionKey], ["sortKey", table.sortKey]] as const) {
      if (key && (key.type ?? "S") !== "S") {
        throw new ValidationError(
          scope,
          `table.${prop}.type must be "S" for the bundled consumer (it writes each record's ${key.name} as a string; give entry for another handler); got ${JSON.stringify(key.type)} for ${JSON.stringify(key.name)}`,
        );
      }
    }
  }

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);
    const {
      stream, table, entry, failureDestination, failureQueue, failureQueueRetentionPeriod, failureQueueName, failureQueueEncryptionKey,
      parkingQueueName, encryptionKey, failureBucketPrefix, failureBucketAccessLogs, failureBucketExpiration, partitionKeyMustMatch,
      parkingAgeAlarmThreshold, iteratorAgeAlarmThreshold, alarms, alarmActions, function: functionSettings, ...eventSourceProps
    } = props;
    const iteratorAgeAlarmSeconds =
      validateDuration(this, "iteratorAgeAlarmThreshold", iteratorAgeAlarmThreshold, "seconds", { min: 1, max: 604800 }) ?? 600;
    const parkingAgeAlarmSeconds =
      validateDuration(this, "parkingAgeAlarmThreshold", parkingAgeAlarmThreshold, "seconds", { min: 60, max: 1_209_600 }) ?? 86400;
    const destination = failureDestination ?? (failureQueue ? FailureDestination.SQS_QUEUE : FailureDestination.S3_BUCKET);
    validateOneOf(this, "failureDestination", destination, Object.values(FailureDestination));
    if (destination !== FailureDestination.SQS_QUEUE && (failureQueue || failureQueueRetentionPeriod || failureQueueName || failureQueueEncryptionKey)) {
      throw new ValidationError(this, `failureQueue, failureQueueRetentionPeriod, failureQueueName and failureQueueEncryptionKey apply to failureDestination SQS_QUEUE; it is ${destination}`);
    }
    if (failureQueue && (failureQueueRetentionPeriod || failureQueueName || failureQueueEncryptionKey)) {
      throw new ValidationError(this, "failureQueueRetentionPeriod, failureQueueName and failureQueueEncryptionKey configure the queue this construct creates; drop them when giving failureQueue");
    }
    const maxRecordAgeSeconds = recordAgeLimit(this, eventSourceProps.maxRecordAge, stream.retentionPeriod);
    // Every prop (the function's here, the mapping's by KinesisEventSource) is checked before the
    // first resource is created.
    NodejsFunction.validateProps(this, functionSettings ?? {}, "function.");
    if (entry === undefined) StreamConsumer.validateKeyTypes(this, table);
    this.eventSource = new KinesisEventSource(stream, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      // Unlimited, bounded by age: a broken deployment holds the shard until it is fixed.
      retryAttempts: -1,
      // A prop given as undefined keeps its default.
      ...Object.fromEntries(Object.entries(eventSourceProps).filter(([, value]) => value !== undefined)),
      maxRecordAge: Duration.seconds(maxRecordAgeSeconds),
      reportBatchItemFailures: true,
      onFailure: {
        bind: (target) =>
          this.failureQueue ? new SqsDlq(this.failureQueue).bind(target) : new S3OnFailureDestination(this.failureBucket).bind(target),
      },
    });

    // First: the failure queue checks its own props, before any other resource exists.
    if (destination === FailureDestination.SQS_QUEUE) {
      this.failureQueue =
        failureQueue ??
        new Queue(this, "FailureQueue", {
          queueName: failureQueueName ?? `${uniqueName(this, 71, /[^A-Za-z0-9_-]/g)}-failures`,
          retentionPeriod: failureQueueRetentionPeriod ?? Duration.days(14),
          encryptionKey: failureQueueEncryptionKey,
        });
      this.failureQueueArn = this.failureQueue.queueArn;
      this.failureQueueUrl = this.failureQueue.queueUrl;
    }
    this.encryptionKey = encryptionKey ?? new EncryptionKey(this, "Key", { description: `Encrypts the parked and failed records of ${this.node.path}` });
    this.parkingQueue = new Queue(this, "ParkingQueue", {
      queueName: parkingQueueName ?? `${uniqueName(this, 72, /[^A-Za-z0-9_-]/g)}-parking`,
      retentionPeriod: Duration.days(14),
      encryptionKey: this.encryptionKey,
    });
    this.failureBucket = new SecureBucket(this, "FailureBucket", {
      bucketPrefix: failureBucketPrefix,
      encryptionKey: this.encryptionKey,
      accessLogsBucket: failureBucketAccessLogs,
      expiration: failureBucketExpiration ?? Duration.days(90),
      // A part of the consumer: the pipeline (or the user) decides which of its names to output.
      outputs: false,
    });

    const { environment, ...functionProps } = functionSettings ?? {};
    this.function = new NodejsFunction(this, "Function", {
      timeout: Duration.seconds(60),
      description: entry ? undefined : "Writes Kinesis records to DynamoDB (conditional, exact); parks poison records with their payload",
      ...functionProps,
      entry: entry ?? "stream-consumer",
      environment: {
        ...environment,
        TABLE_NAME: table.tableName,
        PARTITION_KEY: table.partitionKey.name,
        ...(table.sortKey ? { SORT_KEY: table.sortKey.name } : {}),
        PARTITION_KEY_MUST_MATCH: String(partitionKeyMustMatch ?? true),
        PARKING_QUEUE_URL: this.parkingQueue.queueUrl,
        PARKING_BUCKET: this.failureBucket.bucketName,
        POWERTOOLS_SERVICE_NAME: environment?.POWERTOOLS_SERVICE_NAME ?? "stream-consumer",
      },
    });

    // Exactly what the handler calls: the conditional write, and the consistent read of the read-then-write strategy.
    table.grant(this.function, "dynamodb:BatchGetItem", "dynamodb:PutItem");
    table.grantKey(this.function, "write");
    // Parking: a message per poison record (and the key's encrypt), an object under parked/ for a large one.
    this.parkingQueue.grantSendMessages(this.function);
    this.function.addToRolePolicy(new PolicyStatement({ actions: ["s3:PutObject"], resources: [`${this.failureBucket.bucketArn}/${PARKED_PREFIX}*`] }));
    this.encryptionKey.grantEncrypt(this.function);
    // Stream read, and the failure destination's write: the mapping writes failure records with the function's role.
    this.eventSourceMapping = this.eventSource.bind(this.function, { scope: this, id: "EventSourceMapping" });

    skipCheckov(this.function.resource, "CKV_AWS_116", "Invoked synchronously by the Kinesis event source mapping: a function DLQ only sees asynchronous invocations; failures go to the mapping's on-failure destination and poison records to the parking queue");
    if (functionProps.reservedConcurrentExecutions === undefined) {
      skipCheckov(this.function.resource, "CKV_AWS_115", "Concurrency is bounded by shards x parallelizationFactor; reserving it would only take capacity from the account pool");
    }
    if (alarms ?? true) this.createDefaultAlarms(iteratorAgeAlarmSeconds, parkingAgeAlarmSeconds, alarmActions);
  }

  /** How far behind the stream the consumer is, ms (Lambda IteratorAge, Maximum). */
  metricIteratorAge(options: MetricOptions = {}): Metric {
    return this.function.metric("IteratorAge", options, "Maximum");
  }

  /** Invocations that failed as a whole (Sum). */
  metricErrors(options: MetricOptions = {}): Metric {
    return this.function.metricErrors(options);
  }

  /** Parked records waiting in the parking queue (Maximum). */
  metricParkedRecords(options: MetricOptions = {}): Metric {
    return this.parkingQueue.metricApproximateNumberOfMessagesVisible(options);
  }

  /** Age of the oldest parked record, seconds (Maximum). */
  metricParkedRecordAge(options: MetricOptions = {}): Metric {
    return this.parkingQueue.metricApproximateAgeOfOldestMessage(options);
  }

  /** Messages waiting in the failure queue (Maximum); undefined unless the destination is SQS_QUEUE. */
  metricFailureQueueDepth(options: MetricOptions = {}): Metric | undefined {
    return this.failureQueue?.metricApproximateNumberOfMessagesVisible(options);
  }

  private createDefaultAlarms(iteratorAgeSeconds: number, parkingAgeSeconds: number, actions?: string[]): void {
    const fn = this.function.functionName;
    this.alarms.push(
      this.metricIteratorAge({ period: Duration.minutes(1) }).createAlarm(this, "IteratorAgeAlarm", {
        alarmName: `${fn}-iterator-age`,
        // 10 minutes behind for 5 minutes running: the batching window is at most 5 minutes, so a
        // healthy consumer is never this far behind; a longer lag means it cannot keep up.
        threshold: iteratorAgeSeconds * 1000,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 5,
        alarmDescription: "The stream consumer is falling behind the stream.",
        actions,
      }),
      this.metricErrors().createAlarm(this, "ErrorsAlarm", {
        alarmName: `${fn}-errors`,
        // Any whole-invocation error: bad records are parked, not thrown, so an error is a crash,
        // a timeout, lost permissions or a failed park, and the shard waits until it is fixed.
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        alarmDescription: "The stream consumer failed whole invocations (crash, timeout or permissions).",
        actions,
      }),
      this.metricParkedRecords().createAlarm(this, "ParkingQueueAlarm", {
        alarmName: `${fn}-parked-records`,
        // Depth > 0: each message is a record that can never be written as sent; a person decides.
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        alarmDescription: "Records were parked (bad JSON, invalid UTF-8, schema, size, partition key); fix and replay them.",
        actions,
      }),
      this.metricParkedRecordAge().createAlarm(this, "ParkingAgeAlarm", {
        alarmName: `${fn}-parked-record-age`,
        // The queue keeps a message 14 days: an old one is a record nobody has looked at yet.
        threshold: parkingAgeSeconds,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        alarmDescription: "A parked record has waited too long; it is deleted after 14 days.",
        actions,
      }),
    );
    const failureQueueDepth = this.metricFailureQueueDepth();
    if (failureQueueDepth) {
      this.alarms.push(
        failureQueueDepth.createAlarm(this, "FailureQueueAlarm", {
          alarmName: `${fn}-failure-queue-not-empty`,
          // Depth > 0: each message is a record range the mapping gave up on; the payloads stay in the stream only until it expires.
          threshold: 0,
          comparisonOperator: "GreaterThanThreshold",
          evaluationPeriods: 1,
          alarmDescription: "The mapping gave up on records; the failure queue holds their shard and sequence range.",
          actions,
        }),
      );
    }
  }
}

/**
 * The mapping's maximum record age in seconds: the given one, checked against the stream's
 * retention (at least an hour below it, so a person can still read what the mapping gave up on),
 * or that limit itself, capped at Lambda's 7 days.
 */
function recordAgeLimit(scope: Construct, maxRecordAge: Duration | undefined, retention: Duration | undefined): number {
  const retentionSeconds = retention ? retention.toSeconds() : MIN_STREAM_RETENTION_SECONDS;
  const limit = Math.min(MAX_RECORD_AGE_SECONDS, retentionSeconds - RECORD_AGE_MARGIN_SECONDS);
  const given = validateDuration(scope, "maxRecordAge", maxRecordAge, "seconds", { min: 60, max: MAX_RECORD_AGE_SECONDS });
  if (given === undefined) return limit;
  if (given > limit) {
    const of = retention ? `the stream's retention of ${retentionSeconds} seconds` : `the shortest stream retention, ${retentionSeconds} seconds (the stream's is not known)`;
    throw new ValidationError(scope, `maxRecordAge must be at least one hour below ${of}: at most ${limit} seconds; got ${given} seconds`);
  }
  return given;
}
