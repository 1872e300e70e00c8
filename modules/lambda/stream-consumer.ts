import { Construct } from "constructs";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IDataStream } from "../kinesis/data-stream";
import { IEventTable, KeyAttribute } from "../dynamodb/event-table";
import { IEncryptionKey } from "../kms/encryption-key";
import { IQueue, Queue } from "../sqs/queue";
import { Metric, MetricOptions } from "../cloudwatch/metric";
import { NodejsFunction, NodejsFunctionProps } from "./nodejs-function";
import { KinesisEventSource, KinesisEventSourceProps, StartingPosition } from "./kinesis-event-source";
import { SqsDlq } from "./sqs-dlq";
import { Duration } from "../core/duration";
import { uniqueName } from "../core/naming";
import { skipCheckov } from "../core/checkov";
import { validateDuration, ValidationError } from "../core/validation";

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
  /** Retries of a failing batch, -1 (until the record expires) to 10,000. @default 10 */
  readonly retryAttempts?: number;
  /** Records older than this go to the failure queue: 60 seconds to 7 days, or -1 (never). @default Duration.days(1) */
  readonly maxRecordAge?: Duration | -1;
  /** An existing queue to send failures to, instead of creating one. @default a queue created here */
  readonly failureQueue?: IQueue;
  /** Retention of the created failure queue, 60 seconds to 14 days. @default Duration.days(14) (the maximum) */
  readonly failureQueueRetentionPeriod?: Duration;
  /** Name of the created failure queue, `[a-zA-Z0-9_-]{1,80}`. @default `<construct path>-<hash>-failures` */
  readonly failureQueueName?: string;
  /** A KMS key for the created failure queue. @default SQS-managed encryption (SSE-SQS) */
  readonly failureQueueEncryptionKey?: IEncryptionKey;
  /** Consumer lag that raises the iterator-age alarm, 1 second to 7 days. @default Duration.minutes(10) */
  readonly iteratorAgeAlarmThreshold?: Duration;
  /** Create the iterator-age, error and failure-queue alarms. @default true */
  readonly alarms?: boolean;
  /** @default none */
  readonly alarmActions?: string[];
  /** Function settings (entry, bundling and table environment are set by the construct). @default 256 MB, 60 s */
  readonly function?: Omit<NodejsFunctionProps, "entry" | "environment"> & { environment?: Record<string, string> };
}

/**
 * Kinesis → Lambda → DynamoDB: the bundled `lambda-src/stream-consumer` handler (or your own)
 * behind a `KinesisEventSource` that reports partial batch failures, bisects failing batches, and
 * sends what still fails to an encrypted SQS queue (the mapping's on-failure destination, which
 * — unlike an asynchronous-invoke DLQ — receives stream failures), created here or given.
 */
export class StreamConsumer extends Construct {
  readonly function: NodejsFunction;
  readonly eventSource: KinesisEventSource;
  readonly eventSourceMapping: LambdaEventSourceMapping;
  readonly failureQueue: IQueue;
  readonly failureQueueArn: string;
  readonly failureQueueUrl: string;
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
      stream, table, entry, failureQueue, failureQueueRetentionPeriod, failureQueueName, failureQueueEncryptionKey,
      iteratorAgeAlarmThreshold, alarms, alarmActions, function: functionSettings, ...eventSourceProps
    } = props;
    const iteratorAgeAlarmSeconds =
      validateDuration(this, "iteratorAgeAlarmThreshold", iteratorAgeAlarmThreshold, "seconds", { min: 1, max: 604800 }) ?? 600;
    if (failureQueue && (failureQueueRetentionPeriod || failureQueueName || failureQueueEncryptionKey)) {
      throw new ValidationError(this, "failureQueueRetentionPeriod, failureQueueName and failureQueueEncryptionKey configure the queue this construct creates; drop them when giving failureQueue");
    }
    // Every prop (the function's here, the mapping's by KinesisEventSource) is checked before the
    // first resource, the failure queue, is created.
    NodejsFunction.validateProps(this, functionSettings ?? {}, "function.");
    if (entry === undefined) StreamConsumer.validateKeyTypes(this, table);
    this.eventSource = new KinesisEventSource(stream, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: Duration.days(1),
      // A prop given as undefined keeps its default.
      ...Object.fromEntries(Object.entries(eventSourceProps).filter(([, value]) => value !== undefined)),
      reportBatchItemFailures: true,
      onFailure: { bind: (target) => new SqsDlq(this.failureQueue).bind(target) },
    });

    this.failureQueue =
      failureQueue ??
      new Queue(this, "FailureQueue", {
        queueName: failureQueueName ?? `${uniqueName(this, 71, /[^A-Za-z0-9_-]/g)}-failures`,
        retentionPeriod: failureQueueRetentionPeriod ?? Duration.days(14),
        encryptionKey: failureQueueEncryptionKey,
      });
    this.failureQueueArn = this.failureQueue.queueArn;
    this.failureQueueUrl = this.failureQueue.queueUrl;

    const { environment, ...functionProps } = functionSettings ?? {};
    this.function = new NodejsFunction(this, "Function", {
      timeout: Duration.seconds(60),
      description: entry ? undefined : "Writes Kinesis records to DynamoDB (partial batch failures, idempotent)",
      ...functionProps,
      entry: entry ?? "stream-consumer",
      environment: {
        ...environment,
        TABLE_NAME: table.tableName,
        PARTITION_KEY: table.partitionKey.name,
        ...(table.sortKey ? { SORT_KEY: table.sortKey.name } : {}),
        POWERTOOLS_SERVICE_NAME: environment?.POWERTOOLS_SERVICE_NAME ?? "stream-consumer",
      },
    });

    // Exactly what the handler calls: the guard read, the batched write, and the one-by-one fallback.
    table.grant(this.function, "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:PutItem");
    table.grantKey(this.function, "write");
    // Stream read, and the failure queue's send: the mapping sends failure records with the function's role.
    this.eventSourceMapping = this.eventSource.bind(this.function, { scope: this, id: "EventSourceMapping" });

    skipCheckov(this.function.resource, "CKV_AWS_116", "Invoked synchronously by the Kinesis event source mapping: a function DLQ only sees asynchronous invocations; failures go to the mapping's on-failure SQS queue");
    if (functionProps.reservedConcurrentExecutions === undefined) {
      skipCheckov(this.function.resource, "CKV_AWS_115", "Concurrency is bounded by shards x parallelizationFactor; reserving it would only take capacity from the account pool");
    }
    if (alarms ?? true) this.createDefaultAlarms(iteratorAgeAlarmSeconds, alarmActions);
  }

  /** How far behind the stream the consumer is, ms (Lambda IteratorAge, Maximum). */
  metricIteratorAge(options: MetricOptions = {}): Metric {
    return this.function.metric("IteratorAge", options, "Maximum");
  }

  /** Invocations that failed as a whole (Sum). */
  metricErrors(options: MetricOptions = {}): Metric {
    return this.function.metricErrors(options);
  }

  /** Messages waiting in the failure queue (Maximum). */
  metricFailureQueueDepth(options: MetricOptions = {}): Metric {
    return this.failureQueue.metricApproximateNumberOfMessagesVisible(options);
  }

  private createDefaultAlarms(iteratorAgeSeconds: number, actions?: string[]): void {
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
        // Any whole-invocation error: bad records are reported, not thrown, so an error is a crash,
        // a timeout or lost permissions, and the shard is stuck until it is fixed.
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        alarmDescription: "The stream consumer failed whole invocations (crash, timeout or permissions).",
        actions,
      }),
      this.metricFailureQueueDepth().createAlarm(this, "FailureQueueAlarm", {
        alarmName: `${fn}-failure-queue-not-empty`,
        // Depth > 0: every message is a record range that could not be written and needs a person.
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        alarmDescription: "Records failed permanently; the failure queue holds their shard and sequence range.",
        actions,
      }),
    );
  }
}
