import { Construct } from "constructs";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { AwsEnvironment } from "../core/aws-environment";
import { IDataStream } from "../kinesis/data-stream";
import { DestinationConfig, firehoseTrust, S3Destination } from "./s3-destination";
import { IEncryptionKey } from "../kms/encryption-key";
import { Metric, MetricFactory, metricFactory, MetricOptions } from "../cloudwatch/metric";
import { IGrantable, IPrincipal, PolicyStatement } from "../iam/policy-statement";
import { IRole, Role } from "../iam/role";
import { uniqueName } from "../core/naming";
import { addOutput } from "../core/outputs";
import { isUnresolved, validatePattern, ValidationError } from "../core/validation";

export enum DeliveryStreamEncryption {
  /** Encrypted with a key Firehose owns. */
  AWS_OWNED = "AWS_OWNED",
  /** Encrypted with a customer-managed key (`encryptionKey`). */
  CUSTOMER_MANAGED = "CUSTOMER_MANAGED",
}

export interface DeliveryStreamProps {
  /** Exactly one destination (as in the AWS CDK: more is a synth-time error). */
  readonly destinations: S3Destination[];
  /** Read from this Kinesis data stream. @default Direct PUT (producers call PutRecord/PutRecordBatch) */
  readonly source?: IDataStream;
  /** `[a-zA-Z0-9_.-]{1,64}`. @default `<source stream>-to-s3` with a Kinesis source, else from the construct path */
  readonly deliveryStreamName?: string;
  /** The role Firehose reads the source with (Kinesis source only), created here or existing (`Role.fromRoleArn`). @default one created */
  readonly role?: IRole;
  /** Server-side encryption of Direct PUT data; not allowed with a Kinesis source (the stream's encryption applies). @default AWS_OWNED for Direct PUT */
  readonly encryption?: DeliveryStreamEncryption;
  /** With CUSTOMER_MANAGED encryption. */
  readonly encryptionKey?: IEncryptionKey;
  /** Create the data-freshness alarm. @default true */
  readonly alarms?: boolean;
  /** @default none */
  readonly alarmActions?: string[];
  /** Emit Terraform outputs `<id>_delivery_stream_name` and `<id>_delivery_stream_arn`. @default true (`StreamingIngestPipeline` turns them off) */
  readonly outputs?: boolean;
}

/** Delivery stream names already taken, per source stream, to catch two default `<stream>-to-s3` names. */
const namesBySource = new WeakMap<IDataStream, Set<string>>();

/**
 * A Kinesis Data Firehose delivery stream to S3 (the AWS CDK `DeliveryStream`, plus a Kinesis
 * data stream source). Least-privilege roles are created (or supplied), delivery errors are logged
 * to CloudWatch Logs by default, and data freshness is alarmed on.
 */
export class DeliveryStream extends Construct implements IGrantable {
  readonly resource: KinesisFirehoseDeliveryStream;
  readonly deliveryStreamName: string;
  readonly deliveryStreamArn: string;
  /** The role reading the Kinesis source (undefined for Direct PUT, which needs none). */
  readonly role?: IRole;
  /** The role writing to the destination: also this construct's grant principal. */
  readonly destinationRole: IRole;
  readonly grantPrincipal: IPrincipal;
  readonly destination: DestinationConfig;
  readonly alarms: CloudwatchMetricAlarm[] = [];
  private readonly readsKinesis: boolean;
  private readonly deliveryMetric: MetricFactory;

  constructor(scope: Construct, id: string, props: DeliveryStreamProps) {
    super(scope, id);
    if (props.destinations.length !== 1) {
      throw new ValidationError(
        this,
        `destinations must hold exactly one destination (Firehose delivers to one); got ${props.destinations.length}`,
      );
    }
    validatePattern(this, "deliveryStreamName", props.deliveryStreamName, /^[a-zA-Z0-9_.-]{1,64}$/, "1–64 characters of [a-zA-Z0-9_.-]");
    if (props.source && props.encryption !== undefined) {
      throw new ValidationError(
        this,
        `encryption must not be set with a Kinesis source (AWS rejects it; the source stream's encryption protects the data); got ${props.encryption}`,
      );
    }
    if (props.encryptionKey && props.encryption !== DeliveryStreamEncryption.CUSTOMER_MANAGED) {
      throw new ValidationError(this, "encryptionKey needs encryption: CUSTOMER_MANAGED");
    }
    if (props.encryption === DeliveryStreamEncryption.CUSTOMER_MANAGED && !props.encryptionKey) {
      throw new ValidationError(this, "encryption CUSTOMER_MANAGED needs encryptionKey");
    }
    if (props.role && !props.source) {
      throw new ValidationError(this, "role reads a Kinesis source; with Direct PUT there is none to read (give the destination a role instead)");
    }
    this.readsKinesis = props.source !== undefined;
    const name = props.deliveryStreamName ?? this.defaultName(props.source);
    if (props.source) {
      const taken = namesBySource.get(props.source) ?? new Set<string>();
      if (taken.has(name)) {
        throw new ValidationError(this, `deliveryStreamName ${JSON.stringify(name)} is already used by another delivery stream of this source; name this one`);
      }
      taken.add(name);
      namesBySource.set(props.source, taken);
    }

    const account = AwsEnvironment.of(this);
    this.destination = props.destinations[0].bind(this, name, account.accountId);
    this.destinationRole = this.destination.role;
    this.grantPrincipal = this.destinationRole.grantPrincipal;

    if (props.source) {
      this.role =
        props.role ??
        new Role(this, "SourceRole", {
          description: `Firehose ${name} reads Kinesis stream ${props.source.node.path}`,
          assumedBy: firehoseTrust(account.accountId),
        });
      // Exactly what Firehose calls on a source stream (grantRead would add DescribeStreamSummary,
      // which it never calls), and the stream's customer key, if any, to decrypt what it reads.
      props.source.grant(this.role, "kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards");
      props.source.encryptionKey?.grantDecrypt(this.role);
    }

    this.resource = new KinesisFirehoseDeliveryStream(this, "Resource", {
      name,
      destination: "extended_s3",
      kinesisSourceConfiguration: props.source ? { kinesisStreamArn: props.source.streamArn, roleArn: this.role!.roleArn } : undefined,
      serverSideEncryption: props.source
        ? undefined
        : props.encryption === DeliveryStreamEncryption.CUSTOMER_MANAGED
          ? { enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: props.encryptionKey!.keyArn }
          : { enabled: true, keyType: "AWS_OWNED_CMK" },
      extendedS3Configuration: this.destination.extendedS3Configuration,
      // Firehose checks the roles' permissions at creation: PolicyDependencyAspect orders the
      // delivery stream after both roles' policies at synth (it names the roles).
    });
    this.deliveryStreamName = name;
    this.deliveryStreamArn = this.resource.arn;
    this.deliveryMetric = metricFactory("AWS/Firehose", { DeliveryStreamName: name });

    if (props.alarms ?? true) {
      // How long records may wait before they are written: the freshness alarm allows for it.
      const interval = this.destination.extendedS3Configuration.bufferingInterval ?? 300;
      this.alarms.push(
        this.metricDataFreshness().createAlarm(this, "FreshnessAlarm", {
          alarmName: `${name}-data-freshness`,
          // A healthy stream delivers every record within its buffering interval (plus processing);
          // older than the interval + 15 minutes means S3 deliveries are failing and being retried.
          threshold: interval + 900,
          comparisonOperator: "GreaterThanThreshold",
          evaluationPeriods: 1,
          alarmDescription: `Records waited more than the ${interval} s buffering interval + 15 min: deliveries to S3 are failing.`,
          actions: props.alarmActions,
        }),
      );
    }
    if (props.outputs ?? true) {
      addOutput(this, "NameOutput", `${id}_delivery_stream_name`, { value: this.deliveryStreamName, description: "Firehose delivery stream name" });
      addOutput(this, "ArnOutput", `${id}_delivery_stream_arn`, { value: this.deliveryStreamArn, description: "Firehose delivery stream ARN" });
    }
  }

  private defaultName(source?: IDataStream): string {
    if (source && !isUnresolved(source.streamName)) {
      const name = `${source.streamName}-to-s3`;
      if (name.length > 64) {
        throw new ValidationError(this, `deliveryStreamName is required: the default ${JSON.stringify(name)} is longer than 64 characters`);
      }
      return name;
    }
    return uniqueName(this, 64);
  }

  /** `firehose:PutRecord` and `firehose:PutRecordBatch` on this delivery stream, nothing else. */
  grantPutRecords(grantee: IGrantable): void {
    this.grant(grantee, "firehose:PutRecord", "firehose:PutRecordBatch");
  }

  /** The given Firehose actions on this delivery stream. */
  grant(grantee: IGrantable, ...actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [this.deliveryStreamArn] }));
  }

  /** Any AWS/Firehose metric of this delivery stream (Sum unless told). */
  metric(metricName: string, options?: MetricOptions): Metric {
    return this.deliveryMetric(metricName, "Sum", options);
  }

  /** Records received (Direct PUT: IncomingRecords; Kinesis source: DataReadFromKinesisStream.Records) (Sum). */
  metricIncomingRecords(options?: MetricOptions): Metric {
    return this.deliveryMetric(this.readsKinesis ? "DataReadFromKinesisStream.Records" : "IncomingRecords", "Sum", options);
  }

  /** Bytes received (Sum). */
  metricIncomingBytes(options?: MetricOptions): Metric {
    return this.deliveryMetric(this.readsKinesis ? "DataReadFromKinesisStream.Bytes" : "IncomingBytes", "Sum", options);
  }

  /** Age in seconds of the oldest record not yet delivered to S3 (Maximum). */
  metricDataFreshness(options?: MetricOptions): Metric {
    return this.deliveryMetric("DeliveryToS3.DataFreshness", "Maximum", options);
  }
}
