import { Construct, IConstruct } from "constructs";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { EncryptionKey, IEncryptionKey } from "../kms/encryption-key";
import { Metric, metricFactory, MetricFactory, MetricOptions } from "../cloudwatch/metric";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { Duration } from "../core/duration";
import { Size } from "../core/size";
import { nameOfImportedArn } from "../core/arn";
import { uniqueName } from "../core/naming";
import { addOutput } from "../core/outputs";
import { isUnresolved, validateDuration, validateOneOf, validatePattern, validateRange, ValidationError } from "../core/validation";

/** How the stream's capacity is managed. */
export enum StreamMode {
  /** A fixed number of shards you pay for by the hour. */
  PROVISIONED = "PROVISIONED",
  /** AWS scales shards with traffic; billed per GB. */
  ON_DEMAND = "ON_DEMAND",
}

/** Server-side encryption of the stream's records. There is no unencrypted option. */
export enum StreamEncryption {
  /** The AWS-managed key `alias/aws/kinesis`: no key to manage, no KMS statements in grants. */
  AWS_MANAGED = "AWS_MANAGED",
  /** A customer-managed key, created by the construct (rotation on) or passed as `encryptionKey`. */
  CUSTOMER_MANAGED = "CUSTOMER_MANAGED",
}

/** Shard-level (enhanced) metrics; each costs extra per shard. */
export const SHARD_LEVEL_METRICS = [
  "IncomingBytes",
  "IncomingRecords",
  "OutgoingBytes",
  "OutgoingRecords",
  "WriteProvisionedThroughputExceeded",
  "ReadProvisionedThroughputExceeded",
  "IteratorAgeMilliseconds",
] as const;
export type ShardLevelMetric = (typeof SHARD_LEVEL_METRICS)[number];

export interface DataStreamProps {
  /** Physical stream name, `[a-zA-Z0-9_.-]{1,128}`. @default a deterministic name from the construct path */
  readonly streamName?: string;
  /** Capacity mode. @default StreamMode.PROVISIONED */
  readonly streamMode?: StreamMode;
  /** Shards, a whole number ≥ 1; provisioned mode only. @default 1 */
  readonly shardCount?: number;
  /** How long records stay readable, 24–8760 whole hours. @default 24 hours */
  readonly retentionPeriod?: Duration;
  /** Encryption at rest. @default AWS_MANAGED, or CUSTOMER_MANAGED when `encryptionKey` is given */
  readonly encryption?: StreamEncryption;
  /** A customer-managed key to use instead of creating one. @default created when encryption is CUSTOMER_MANAGED */
  readonly encryptionKey?: IEncryptionKey;
  /** Shard-level metrics to enable (they cost extra). @default none */
  readonly shardLevelMetrics?: ShardLevelMetric[];
  /** Create the iterator-age and throughput-exceeded alarms. @default true */
  readonly alarms?: boolean;
  /** Actions (SNS topic ARNs) for the alarms' ALARM and OK states. @default none */
  readonly alarmActions?: string[];
  /** Emit Terraform outputs `<id>_stream_name` and `<id>_stream_arn`. @default true (`StreamingIngestPipeline` turns them off and emits its own) */
  readonly outputs?: boolean;
}

export interface ShardEstimateInput {
  /** Records written per second at peak. */
  readonly recordsPerSecond: number;
  /** Average record size, 1 byte to 1 MiB (the largest record a stream takes). @default 1 KiB (the partner guide's figure) */
  readonly averageRecordSize?: Size;
  /** Standard (shared-throughput) consumers reading every record. @default 1 */
  readonly consumers?: number;
}

export interface ShardEstimate {
  readonly shards: number;
  /** The per-shard limit that decided the count. */
  readonly limitedBy: "records-in" | "bytes-in" | "bytes-out";
}

/** Per-shard service limits (Kinesis Data Streams quotas). */
export const SHARD_LIMITS = {
  /** The largest record (data and partition key) of a stream whose maximum record size is the default, as here. */
  recordBytes: 1024 * 1024,
  recordsInPerSecond: 1000,
  bytesInPerSecond: 1024 * 1024,
  /** Shared by all standard consumers of the shard. */
  bytesOutPerSecond: 2 * 1024 * 1024,
} as const;

/** What to do about sustained write throttling, by capacity mode: only a provisioned stream has shards to add. */
const WRITE_THROTTLE_HINT: Record<StreamMode, string> = {
  [StreamMode.PROVISIONED]: "Over 1% of writes throttled for 15 minutes: add shards or switch to on-demand.",
  [StreamMode.ON_DEMAND]:
    "Over 1% of writes throttled for 15 minutes: traffic more than doubled its previous peak within 15 minutes (on-demand capacity catches up), or one partition key is hot (1 MiB/s per shard): spread the partition keys.",
};

const KINESIS_READ_ACTIONS = [
  "kinesis:DescribeStream",
  "kinesis:DescribeStreamSummary",
  "kinesis:GetRecords",
  "kinesis:GetShardIterator",
  "kinesis:ListShards",
];
const KINESIS_WRITE_ACTIONS = ["kinesis:PutRecord", "kinesis:PutRecords"];

/**
 * A Kinesis data stream, created here (`DataStream`) or existing (`DataStream.fromStreamArn`):
 * what every construct that reads, writes or watches a stream takes.
 */
export interface IDataStream extends IConstruct {
  readonly streamArn: string;
  readonly streamName: string;
  /** The customer-managed key, when the stream uses one. */
  readonly encryptionKey?: IEncryptionKey;
  /** How long the stream keeps records; undefined for an imported stream given none. */
  readonly retentionPeriod?: Duration;
  grantRead(grantee: IGrantable): void;
  grantWrite(grantee: IGrantable): void;
  grantReadWrite(grantee: IGrantable): void;
  grant(grantee: IGrantable, ...actions: string[]): void;
  metric(metricName: string, options?: MetricOptions): Metric;
  metricIncomingRecords(options?: MetricOptions): Metric;
  metricIncomingBytes(options?: MetricOptions): Metric;
  metricGetRecordsIteratorAgeMilliseconds(options?: MetricOptions): Metric;
  metricReadProvisionedThroughputExceeded(options?: MetricOptions): Metric;
  metricWriteProvisionedThroughputExceeded(options?: MetricOptions): Metric;
}

/** Grants and metrics shared by created and imported streams. */
abstract class DataStreamBase extends Construct implements IDataStream {
  abstract readonly streamArn: string;
  abstract readonly streamName: string;
  abstract readonly encryptionKey?: IEncryptionKey;

  /** Read records: describe, list shards, get iterators and records; `kms:Decrypt` on a customer key. */
  grantRead(grantee: IGrantable): void {
    this.grant(grantee, ...KINESIS_READ_ACTIONS);
    // The AWS-managed key needs no identity-policy statement.
    this.encryptionKey?.grantDecrypt(grantee);
  }

  /** Write records: PutRecord and PutRecords only; `kms:GenerateDataKey` on a customer key. */
  grantWrite(grantee: IGrantable): void {
    this.grant(grantee, ...KINESIS_WRITE_ACTIONS);
    this.encryptionKey?.grantEncrypt(grantee);
  }

  /** Both `grantRead` and `grantWrite`. */
  grantReadWrite(grantee: IGrantable): void {
    this.grantRead(grantee);
    this.grantWrite(grantee);
  }

  /** The given Kinesis actions on this stream only (no KMS statement is added). */
  grant(grantee: IGrantable, ...actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [this.streamArn] }));
  }

  /** Any AWS/Kinesis metric of this stream (Sum unless told). */
  metric(metricName: string, options?: MetricOptions): Metric {
    return this.metrics(metricName, "Sum", options);
  }

  /** Records put into the stream (Sum). */
  metricIncomingRecords(options?: MetricOptions): Metric { return this.metrics("IncomingRecords", "Sum", options); }
  /** Bytes put into the stream (Sum). */
  metricIncomingBytes(options?: MetricOptions): Metric { return this.metrics("IncomingBytes", "Sum", options); }
  /** Age of the last record read by GetRecords: how far the slowest consumer lags (Maximum). */
  metricGetRecordsIteratorAgeMilliseconds(options?: MetricOptions): Metric { return this.metrics("GetRecords.IteratorAgeMilliseconds", "Maximum", options); }
  /** Share of GetRecords calls throttled (Average, 0–1). */
  metricReadProvisionedThroughputExceeded(options?: MetricOptions): Metric { return this.metrics("ReadProvisionedThroughputExceeded", "Average", options); }
  /** Share of records rejected for throughput (Average, 0–1). */
  metricWriteProvisionedThroughputExceeded(options?: MetricOptions): Metric { return this.metrics("WriteProvisionedThroughputExceeded", "Average", options); }

  private get metrics(): MetricFactory {
    return metricFactory("AWS/Kinesis", { StreamName: this.streamName });
  }
}

export interface DataStreamAttributes {
  readonly streamArn: string;
  /** @default parsed from a literal ARN */
  readonly streamName?: string;
  /** The stream's customer-managed key, so grants include the KMS statements. @default none (AWS-managed key) */
  readonly encryptionKey?: IEncryptionKey;
  /** The stream's retention, so a consumer can keep its record-age limit below it. @default unknown */
  readonly retentionPeriod?: Duration;
}

const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128}$/;

class ImportedDataStream extends DataStreamBase {
  readonly streamArn: string;
  readonly streamName: string;
  readonly encryptionKey?: IEncryptionKey;
  readonly retentionPeriod?: Duration;

  constructor(scope: Construct, id: string, attrs: DataStreamAttributes) {
    super(scope, id);
    this.retentionPeriod = attrs.retentionPeriod;
    this.streamName = nameOfImportedArn(this, { arnProp: "streamArn", arn: attrs.streamArn, pattern: STREAM_ARN, description: "a Kinesis stream ARN", nameProp: "streamName", name: attrs.streamName });
    this.streamArn = attrs.streamArn;
    this.encryptionKey = attrs.encryptionKey;
  }
}

/** A KMS-encrypted Kinesis data stream with grants, metrics and default alarms. */
export class DataStream extends DataStreamBase {
  /** A stream that exists already (grants and metrics only; nothing is created). */
  static fromStreamArn(scope: Construct, id: string, attrs: DataStreamAttributes): IDataStream {
    return new ImportedDataStream(scope, id, attrs);
  }

  /**
   * Shards needed for a workload: the largest of the records-in, bytes-in and bytes-out needs,
   * each against its per-shard limit.
   */
  static estimateShards(input: ShardEstimateInput): ShardEstimate {
    const where = "DataStream.estimateShards";
    const size = (input.averageRecordSize ?? Size.kibibytes(1)).toBytes();
    const consumers = input.consumers ?? 1;
    validateRange(where, "recordsPerSecond", input.recordsPerSecond, { min: 0, integer: false });
    if (!(size >= 1 && size <= SHARD_LIMITS.recordBytes)) {
      throw new ValidationError(where, `averageRecordSize must be from 1 byte to 1 MiB (${SHARD_LIMITS.recordBytes} bytes, the largest record Kinesis accepts); got ${size} bytes`);
    }
    validateRange(where, "consumers", consumers, { min: 1 });
    const needs: Array<[ShardEstimate["limitedBy"], number]> = [
      ["records-in", Math.ceil(input.recordsPerSecond / SHARD_LIMITS.recordsInPerSecond)],
      ["bytes-in", Math.ceil((input.recordsPerSecond * size) / SHARD_LIMITS.bytesInPerSecond)],
      ["bytes-out", Math.ceil((input.recordsPerSecond * size * consumers) / SHARD_LIMITS.bytesOutPerSecond)],
    ];
    // Ties go to the first listed: the inbound limits are the ones producers hit first.
    const [limitedBy, shards] = needs.reduce((best, n) => (n[1] > best[1] ? n : best));
    return { shards: Math.max(1, shards), limitedBy };
  }

  readonly resource: KinesisStream;
  readonly streamArn: string;
  readonly streamName: string;
  /** The customer-managed key, when the stream uses one. */
  readonly encryptionKey?: IEncryptionKey;
  /** How long records stay readable. */
  readonly retentionPeriod: Duration;
  /** The default alarms, when created. */
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: DataStreamProps = {}) {
    super(scope, id);
    validatePattern(this, "streamName", props.streamName, /^[a-zA-Z0-9_.-]{1,128}$/, "1–128 characters of [a-zA-Z0-9_.-]");
    const mode = props.streamMode ?? StreamMode.PROVISIONED;
    validateOneOf(this, "streamMode", mode, Object.values(StreamMode));
    if (mode === StreamMode.ON_DEMAND && props.shardCount !== undefined) {
      throw new ValidationError(
        this,
        `shardCount must not be set when streamMode is ON_DEMAND (AWS sizes the stream); got ${String(props.shardCount)}`,
      );
    }
    if (props.shardCount !== undefined && !isUnresolved(props.shardCount)) {
      if (!Number.isInteger(props.shardCount) || props.shardCount < 1) {
        throw new ValidationError(this, `shardCount must be a whole number ≥ 1; got ${String(props.shardCount)}`);
      }
    }
    const retentionHours = validateDuration(this, "retentionPeriod", props.retentionPeriod, "hours", { min: 24, max: 8760 }) ?? 24;
    const encryption =
      props.encryption ?? (props.encryptionKey ? StreamEncryption.CUSTOMER_MANAGED : StreamEncryption.AWS_MANAGED);
    validateOneOf(this, "encryption", encryption, Object.values(StreamEncryption));
    if (encryption === StreamEncryption.AWS_MANAGED && props.encryptionKey) {
      throw new ValidationError(
        this,
        "encryptionKey is given but encryption is AWS_MANAGED; use CUSTOMER_MANAGED (or omit encryption) to use the key",
      );
    }
    for (const m of props.shardLevelMetrics ?? []) {
      validateOneOf(this, "shardLevelMetrics[]", m, SHARD_LEVEL_METRICS);
    }

    this.retentionPeriod = Duration.hours(retentionHours);
    if (encryption === StreamEncryption.CUSTOMER_MANAGED) {
      this.encryptionKey =
        props.encryptionKey ?? new EncryptionKey(this, "Key", { description: `Encrypts Kinesis stream ${this.node.path}` });
    }
    this.resource = new KinesisStream(this, "Resource", {
      name: props.streamName ?? uniqueName(this, 128),
      retentionPeriod: retentionHours,
      ...(mode === StreamMode.PROVISIONED ? { shardCount: props.shardCount ?? 1 } : {}),
      streamModeDetails: { streamMode: mode },
      encryptionType: "KMS",
      kmsKeyId: this.encryptionKey ? this.encryptionKey.keyArn : "alias/aws/kinesis",
      shardLevelMetrics: props.shardLevelMetrics,
    });
    this.streamArn = this.resource.arn;
    // The literal name keeps alarm dimensions readable; a generated one is known at synth too.
    this.streamName = props.streamName ?? this.resource.name;

    if (props.alarms ?? true) this.createDefaultAlarms(mode, props.alarmActions);
    if (props.outputs ?? true) {
      addOutput(this, "NameOutput", `${id}_stream_name`, { value: this.streamName, description: "Kinesis data stream name" });
      addOutput(this, "ArnOutput", `${id}_stream_arn`, { value: this.streamArn, description: "Kinesis data stream ARN" });
    }
  }

  private createDefaultAlarms(mode: StreamMode, actions?: string[]): void {
    const name = (suffix: string) => `${isUnresolved(this.streamName) ? uniqueName(this, 200) : this.streamName}-${suffix}`;

    this.alarms.push(
      this.metricGetRecordsIteratorAgeMilliseconds().createAlarm(this, "IteratorAgeAlarm", {
        alarmName: name("iterator-age"),
        // Half the retention: at 100% records expire unread; half leaves as long again to fix the consumer.
        threshold: this.retentionPeriod.toMilliseconds() / 2,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        alarmDescription: "The slowest consumer lags by more than half the stream's retention; records will expire unread.",
        actions,
      }),
      this.metricWriteProvisionedThroughputExceeded().createAlarm(this, "WriteThrottleAlarm", {
        alarmName: name("write-throughput-exceeded"),
        // Over 1% of records throttled for 15 minutes: SDK retries absorb bursts, a sustained
        // rate means the stream is under-provisioned and producers may give up on records.
        threshold: 0.01,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 3,
        alarmDescription: WRITE_THROTTLE_HINT[mode],
        actions,
      }),
      this.metricReadProvisionedThroughputExceeded().createAlarm(this, "ReadThrottleAlarm", {
        alarmName: name("read-throughput-exceeded"),
        // Same rule for reads: standard consumers share 5 reads/s per shard, so brief throttling
        // is normal; 15 minutes of it means too many consumers (use enhanced fan-out) or shards.
        threshold: 0.01,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 3,
        alarmDescription: "Over 1% of reads throttled for 15 minutes: too many standard consumers per shard.",
        actions,
      }),
    );
  }
}
