import { Construct } from "constructs";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IDataStream } from "../kinesis/data-stream";
import { IEventTable } from "../dynamodb/event-table";
import { IEncryptionKey } from "../kms/encryption-key";
import { Metric, MetricOptions } from "../cloudwatch/metric";
import { NodejsFunction, NodejsFunctionProps } from "./nodejs-function";
import { PolicyStatement } from "../iam/policy-statement";
import { uniqueName } from "../core/naming";
import { skipCheckov } from "../core/checkov";
import { isUnresolved, validateOneOf, validatePattern, validateRange, ValidationError } from "../core/validation";

export enum StartingPosition {
  TRIM_HORIZON = "TRIM_HORIZON",
  LATEST = "LATEST",
  AT_TIMESTAMP = "AT_TIMESTAMP",
}

export interface StreamConsumerProps {
  /** The stream to consume. */
  readonly stream: IDataStream;
  /** The table the records are written to; its partition (and sort) key must be string attributes of every record. */
  readonly table: IEventTable;
  /** Records per invocation, 1–10,000. @default 100 */
  readonly batchSize?: number;
  /** Seconds to gather records before invoking, 0–300. @default 1 */
  readonly maxBatchingWindowSeconds?: number;
  /** @default StartingPosition.TRIM_HORIZON (nothing already in the stream is skipped) */
  readonly startingPosition?: StartingPosition;
  /** AT_TIMESTAMP only: RFC 3339 time to start from. */
  readonly startingPositionTimestamp?: string;
  /** Concurrent batches per shard, 1–10 (order per partition key is kept). @default 1 */
  readonly parallelizationFactor?: number;
  /** Split a failing batch in two and retry each half, isolating bad records. @default true */
  readonly bisectBatchOnError?: boolean;
  /** Retries of a failing batch, -1 (until the record expires) to 10,000. @default 10 */
  readonly maximumRetryAttempts?: number;
  /** Records older than this go to the failure queue, seconds: -1 (never) or 60–604,800. @default 86400 */
  readonly maximumRecordAgeSeconds?: number;
  /** Event filter patterns (JSON strings); records that match none are skipped. @default none */
  readonly filterPatterns?: string[];
  /** Failure-queue retention in seconds, 60–1,209,600. @default 1209600 (14 days, the maximum) */
  readonly failureQueueRetentionSeconds?: number;
  /** Failure-queue name, `[a-zA-Z0-9_-]{1,80}`. @default `<construct path>-<hash>-failures` */
  readonly failureQueueName?: string;
  /** A KMS key for the failure queue. @default SQS-managed encryption (SSE-SQS) */
  readonly failureQueueEncryptionKey?: IEncryptionKey;
  /** Consumer lag that raises the iterator-age alarm, seconds. @default 600 */
  readonly iteratorAgeAlarmSeconds?: number;
  /** Create the iterator-age, error and failure-queue alarms. @default true */
  readonly alarms?: boolean;
  /** @default none */
  readonly alarmActions?: string[];
  /** Function settings (entry, bundling and table environment are set by the construct). @default 256 MB, 60 s */
  readonly function?: Omit<NodejsFunctionProps, "entry" | "environment"> & { environment?: Record<string, string> };
}

/**
 * Kinesis → Lambda → DynamoDB: the bundled `lambda-src/stream-consumer` handler behind an event
 * source mapping that reports partial batch failures, bisects failing batches, and sends what
 * still fails to an encrypted SQS queue (the mapping's on-failure destination, which — unlike an
 * asynchronous-invoke DLQ — receives stream failures).
 */
export class StreamConsumer extends Construct {
  readonly function: NodejsFunction;
  readonly eventSourceMapping: LambdaEventSourceMapping;
  readonly failureQueue: SqsQueue;
  readonly failureQueueArn: string;
  readonly failureQueueUrl: string;
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);
    validateRange(this, "batchSize", props.batchSize, { min: 1, max: 10000, unit: "records" });
    validateRange(this, "maxBatchingWindowSeconds", props.maxBatchingWindowSeconds, { min: 0, max: 300, unit: "seconds" });
    validateRange(this, "parallelizationFactor", props.parallelizationFactor, { min: 1, max: 10 });
    validateRange(this, "maximumRetryAttempts", props.maximumRetryAttempts, { min: -1, max: 10000 });
    validateRange(this, "maximumRecordAgeSeconds", props.maximumRecordAgeSeconds, {
      min: 60,
      max: 604800,
      unit: "seconds",
      alsoAllowed: [-1],
    });
    validateRange(this, "failureQueueRetentionSeconds", props.failureQueueRetentionSeconds, { min: 60, max: 1209600, unit: "seconds" });
    validateRange(this, "iteratorAgeAlarmSeconds", props.iteratorAgeAlarmSeconds, { min: 1, max: 604800, unit: "seconds" });
    validatePattern(this, "failureQueueName", props.failureQueueName, /^[a-zA-Z0-9_-]{1,80}$/, "1–80 characters of [a-zA-Z0-9_-]");
    const startingPosition = props.startingPosition ?? StartingPosition.TRIM_HORIZON;
    validateOneOf(this, "startingPosition", startingPosition, Object.values(StartingPosition));
    if (startingPosition === StartingPosition.AT_TIMESTAMP) {
      const ts = props.startingPositionTimestamp;
      if (ts === undefined) throw new ValidationError(this, "startingPositionTimestamp is required when startingPosition is AT_TIMESTAMP");
      if (!isUnresolved(ts) && Number.isNaN(Date.parse(ts))) {
        throw new ValidationError(this, `startingPositionTimestamp must be an RFC 3339 time such as 2026-01-31T12:00:00Z; got ${JSON.stringify(ts)}`);
      }
    } else if (props.startingPositionTimestamp !== undefined) {
      throw new ValidationError(this, `startingPositionTimestamp applies to AT_TIMESTAMP only; startingPosition is ${startingPosition}`);
    }
    const batchSize = props.batchSize ?? 100;
    const window = props.maxBatchingWindowSeconds ?? 1;
    for (const [i, pattern] of (props.filterPatterns ?? []).entries()) {
      if (isUnresolved(pattern)) continue;
      try {
        JSON.parse(pattern);
      } catch {
        throw new ValidationError(this, `filterPatterns[${i}] must be a JSON event pattern; got ${JSON.stringify(pattern)}`);
      }
    }
    if (props.filterPatterns && props.filterPatterns.length > 5) {
      throw new ValidationError(this, `filterPatterns may hold at most 5 patterns; got ${props.filterPatterns.length}`);
    }

    this.failureQueue = new SqsQueue(this, "FailureQueue", {
      name: props.failureQueueName ?? `${uniqueName(this, 71, /[^A-Za-z0-9_-]/g)}-failures`,
      messageRetentionSeconds: props.failureQueueRetentionSeconds ?? 1209600,
      ...(props.failureQueueEncryptionKey
        ? { kmsMasterKeyId: props.failureQueueEncryptionKey.keyArn }
        : { sqsManagedSseEnabled: true }),
    });
    this.failureQueueArn = this.failureQueue.arn;
    this.failureQueueUrl = this.failureQueue.url;

    const { environment, ...functionProps } = props.function ?? {};
    this.function = new NodejsFunction(this, "Function", {
      timeoutSeconds: 60,
      description: "Writes Kinesis records to DynamoDB (partial batch failures, idempotent)",
      ...functionProps,
      entry: "stream-consumer",
      environment: {
        ...environment,
        TABLE_NAME: props.table.tableName,
        PARTITION_KEY: props.table.partitionKey.name,
        ...(props.table.sortKey ? { SORT_KEY: props.table.sortKey.name } : {}),
        POWERTOOLS_SERVICE_NAME: "stream-consumer",
      },
    });

    // Exactly what the handler calls: the guard read, the batched write, and the one-by-one fallback.
    props.table.grant(this.function, "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:PutItem");
    props.table.grantKey(this.function, "write");
    props.stream.grantRead(this.function);
    // The mapping sends failure records with the function's role.
    this.function.addToRolePolicy(new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.failureQueueArn] }));
    if (props.failureQueueEncryptionKey) {
      this.function.addToRolePolicy(
        new PolicyStatement({ actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [props.failureQueueEncryptionKey.keyArn] }),
      );
    }

    this.eventSourceMapping = new LambdaEventSourceMapping(this, "EventSourceMapping", {
      eventSourceArn: props.stream.streamArn,
      functionName: this.function.functionArn,
      startingPosition,
      startingPositionTimestamp: props.startingPositionTimestamp,
      batchSize,
      maximumBatchingWindowInSeconds: window,
      parallelizationFactor: props.parallelizationFactor ?? 1,
      bisectBatchOnFunctionError: props.bisectBatchOnError ?? true,
      maximumRetryAttempts: props.maximumRetryAttempts ?? 10,
      maximumRecordAgeInSeconds: props.maximumRecordAgeSeconds ?? 86400,
      functionResponseTypes: ["ReportBatchItemFailures"],
      destinationConfig: { onFailure: { destinationArn: this.failureQueueArn } },
      filterCriteria: props.filterPatterns?.length
        ? { filter: props.filterPatterns.map((pattern) => ({ pattern })) }
        : undefined,
      // Lambda checks the role's permissions when the mapping is created.
      dependsOn: this.function.policyDependables,
    });

    skipCheckov(this.function.resource, "CKV_AWS_116", "Invoked synchronously by the Kinesis event source mapping: a function DLQ only sees asynchronous invocations; failures go to the mapping's on-failure SQS queue");
    if (functionProps.reservedConcurrentExecutions === undefined) {
      skipCheckov(this.function.resource, "CKV_AWS_115", "Concurrency is bounded by shards x parallelizationFactor; reserving it would only take capacity from the account pool");
    }
    if (props.alarms ?? true) this.createDefaultAlarms(props.iteratorAgeAlarmSeconds ?? 600, props.alarmActions);
  }

  /** How far behind the stream the consumer is, ms (Lambda IteratorAge, Maximum). */
  metricIteratorAge(options: MetricOptions = {}): Metric {
    return this.function.metric("IteratorAge", { statistic: "Maximum", ...options });
  }

  /** Invocations that failed as a whole (Sum). */
  metricErrors(options: MetricOptions = {}): Metric {
    return this.function.metricErrors(options);
  }

  /** Messages waiting in the failure queue (Maximum). */
  metricFailureQueueDepth(options: MetricOptions = {}): Metric {
    return Metric.of("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: this.failureQueue.name }, options, "Maximum");
  }

  private createDefaultAlarms(iteratorAgeSeconds: number, actions?: string[]): void {
    const fn = this.function.functionName;
    this.alarms.push(
      this.metricIteratorAge({ periodSeconds: 60 }).createAlarm(this, "IteratorAgeAlarm", {
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
