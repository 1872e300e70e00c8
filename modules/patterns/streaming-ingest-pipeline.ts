import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { AwsEnvironment } from "../core/aws-environment";
import { applyRemovalPolicy, RemovalPolicy } from "../core/removal-policy";
import { DataStream, DataStreamProps, IDataStream } from "../kinesis/data-stream";
import { EventTable, EventTableProps, IEventTable } from "../dynamodb/event-table";
import { FailureDestination, StreamConsumer, StreamConsumerProps } from "../lambda/stream-consumer";
import { IngestApi, IngestApiProps } from "../apigateway/ingest-api";
import { ApiGatewayAccountLogging } from "../apigateway/api-gateway-account-logging";
import { DeliveryStream } from "../firehose/delivery-stream";
import { S3Destination, S3DestinationProps } from "../firehose/s3-destination";
import { IBucket, SecureBucket } from "../s3/secure-bucket";
import { EncryptionKey } from "../kms/encryption-key";
import { ProducerAccess, ProducerAccessProps } from "../kinesis/producer-access";
import { Metric } from "../cloudwatch/metric";
import { addOutput } from "../core/outputs";
import { validatePattern, ValidationError } from "../core/validation";

export interface ArchiveProps {
  /** Suffix of the delivery stream name: `<stream>-to-s3` for the first archive, `<stream>-to-s3-<name>` for others. */
  readonly name?: string;
  /** Destination settings (buffering, prefixes, compression, processor, backup). @default the archive bucket, GZIP, 300 s */
  readonly destination?: S3DestinationProps;
}

export interface StreamingIngestPipelineProps {
  /** Prefix of every physical name, `[a-z][a-z0-9-]{0,23}`. */
  readonly namePrefix: string;
  /** Settings of the data stream it creates (its outputs are the pipeline's). @default `<prefix>-events`, provisioned, 1 shard, AWS-managed KMS */
  readonly stream?: Omit<DataStreamProps, "outputs">;
  /** Use an existing stream instead (`DataStream.fromStreamArn`). */
  readonly existingStream?: IDataStream;
  /** Settings of the table it creates. @default `<prefix>-events`, on demand, eventId */
  readonly table?: EventTableProps;
  /** Use an existing table instead (`EventTable.fromTableAttributes`). */
  readonly existingTable?: IEventTable;
  /** Consumer settings. @default the StreamConsumer defaults, function `<prefix>-stream-consumer` */
  readonly consumer?: Omit<StreamConsumerProps, "stream" | "table">;
  /** Ingest API settings; an existing secret goes in `credentials.existingSecret` (`Secret.fromSecretArn`). @default `<prefix>-ingest`, stage prod */
  readonly api?: Omit<IngestApiProps, "streams" | "outputs">;
  /** The delivery streams to S3, at least one. @default one, `<stream>-to-s3` */
  readonly archives?: ArchiveProps[];
  /** Deliver into an existing bucket. @default a SecureBucket, with server access logs to a second one */
  readonly archiveBucket?: IBucket;
  /**
   * Manage the account's API Gateway logging setting here (`ApiGatewayAccountLogging`): one stack
   * per account and region should. @default false (the setting is managed elsewhere)
   */
  readonly manageApiGatewayAccountLogging?: boolean;
  /** Give an external partner write access to the stream. @default none */
  readonly producer?: Omit<ProducerAccessProps, "stream" | "outputs">;
  /** Alarm actions (SNS topic ARNs) for every part's alarms, unless the part sets its own. @default none */
  readonly alarmActions?: string[];
  /** A CloudWatch dashboard of the key metrics. @default true */
  readonly dashboard?: boolean;
  /** What destroy may do to the stream, table, buckets, queues, secrets and keys it creates. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The whole streaming-ingest design in one construct: Basic-auth API → Kinesis (KMS) → Lambda →
 * DynamoDB with a parking queue and an S3 failure bucket, Kinesis → Firehose → S3, optional partner producer access,
 * a dashboard, and outputs. Every part takes its own props; existing streams, tables, buckets and
 * secrets are accepted.
 */
export class StreamingIngestPipeline extends Construct {
  readonly stream: IDataStream;
  readonly table: IEventTable;
  readonly consumer: StreamConsumer;
  readonly api: IngestApi;
  /** The account's API Gateway logging setting, when `manageApiGatewayAccountLogging`. */
  readonly accountLogging?: ApiGatewayAccountLogging;
  readonly archives: DeliveryStream[];
  readonly archiveBucket: IBucket;
  readonly producer?: ProducerAccess;
  readonly dashboard?: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: StreamingIngestPipelineProps) {
    super(scope, id);
    validatePattern(this, "namePrefix", props.namePrefix, /^[a-z][a-z0-9-]{0,23}$/, "1–24 characters of [a-z0-9-], starting with a letter");
    if (props.stream && props.existingStream) throw new ValidationError(this, "stream and existingStream are exclusive; give one");
    if (props.table && props.existingTable) throw new ValidationError(this, "table and existingTable are exclusive; give one");
    const archives = props.archives ?? [{}];
    if (archives.length === 0) throw new ValidationError(this, "archives must hold at least one archive; got none");
    const names = archives.map((a) => a.name ?? "");
    if (new Set(names).size !== names.length) throw new ValidationError(this, `archives need distinct names; got ${JSON.stringify(names)}`);
    // The consumer checks this too, but only after the table exists: check before any resource.
    if (props.consumer?.entry === undefined) StreamConsumer.validateKeyTypes(this, props.existingTable ?? props.table ?? {});
    const prefix = props.namePrefix;
    const alarmActions = props.alarmActions;

    this.stream =
      props.existingStream ?? new DataStream(this, "Stream", { streamName: `${prefix}-events`, alarmActions, ...props.stream, outputs: false });
    this.table = props.existingTable ?? new EventTable(this, "Table", { tableName: `${prefix}-events`, alarmActions, ...props.table });
    this.accountLogging = props.manageApiGatewayAccountLogging ? new ApiGatewayAccountLogging(this, "ApiGatewayAccount") : undefined;
    const credentials = props.api?.credentials;
    this.api = new IngestApi(this, "Api", {
      apiName: `${prefix}-ingest`,
      accountLogging: this.accountLogging,
      ...props.api,
      // The default name stays when other credential settings are given (an existing secret has its own).
      credentials: credentials?.existingSecret ? credentials : { secretName: `${prefix}/ingest-api/basic-auth`, ...credentials },
      authorizerFunction: { functionName: `${prefix}-authorizer`, ...props.api?.authorizerFunction },
      streams: [this.stream],
      outputs: false,
    });

    // Server access logs of every bucket created here.
    const accessLogs = props.archiveBucket ? undefined : new SecureBucket(this, "AccessLogs", { bucketPrefix: `${prefix}-access-logs`, accessLogTarget: true, outputs: false });
    if (props.archiveBucket) {
      this.archiveBucket = props.archiveBucket;
    } else {
      const archiveKey = new EncryptionKey(this, "ArchiveKey", { description: `Encrypts the ${prefix} archive bucket` });
      this.archiveBucket = new SecureBucket(this, "Archive", { bucketPrefix: `${prefix}-archive`, accessLogsBucket: accessLogs, encryptionKey: archiveKey, outputs: false });
    }
    const sqsFailures = props.consumer?.failureQueue !== undefined || props.consumer?.failureDestination === FailureDestination.SQS_QUEUE;
    this.consumer = new StreamConsumer(this, "Consumer", {
      failureQueueName: sqsFailures && !props.consumer?.failureQueue ? `${prefix}-consumer-failures` : undefined,
      parkingQueueName: `${prefix}-consumer-parking`,
      failureBucketPrefix: `${prefix}-failures`,
      failureBucketAccessLogs: accessLogs,
      alarmActions,
      ...props.consumer,
      function: { functionName: `${prefix}-stream-consumer`, ...props.consumer?.function },
      stream: this.stream,
      table: this.table,
    });
    this.archives = archives.map(
      (archive, i) =>
        new DeliveryStream(this, archive.name ? `ToS3-${archive.name}` : i === 0 ? "ToS3" : `ToS3-${i}`, {
          source: this.stream,
          deliveryStreamName: archive.name ? `${this.stream.streamName}-to-s3-${archive.name}` : undefined,
          alarmActions,
          outputs: false,
          destinations: [
            new S3Destination({
              bucket: this.archiveBucket,
              dataOutputPrefix: `${archive.name ?? "events"}/!{timestamp:yyyy/MM/dd/HH}/`,
              errorOutputPrefix: `${archive.name ?? "events"}-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`,
              ...archive.destination,
            }),
          ],
        }),
    );
    if (props.producer) {
      this.producer = new ProducerAccess(this, "Producer", { identityName: `${prefix}-partner-producer`, ...props.producer, stream: this.stream, outputs: false });
    }
    applyRemovalPolicy(this, props.removalPolicy ?? RemovalPolicy.RETAIN);
    if (props.dashboard ?? true) this.dashboard = this.createDashboard(prefix);
    this.createOutputs(id);
  }

  private createDashboard(prefix: string): CloudwatchDashboard {
    const region = AwsEnvironment.of(this).region;
    let y = 0;
    const widgets: object[] = [];
    const row = (title: string, metrics: Array<[Metric, string]>, x: number, width = 12) => {
      widgets.push({
        type: "metric",
        x,
        y,
        width,
        height: 6,
        properties: { title, region, view: "timeSeries", stacked: false, metrics: metrics.map(([m, label]) => m.toWidgetRow(label)) },
      });
    };
    row("API requests with errors", [[this.api.metricClientError(), "4xx"], [this.api.metricServerError(), "5xx"]], 0);
    row("API latency (ms)", [[this.api.metricLatency(), "average"], [this.api.metricLatency({ statistic: "Maximum" }), "max"]], 12);
    y += 6;
    row("Stream: records in", [[this.stream.metricIncomingRecords(), "records"]], 0);
    row("Stream: iterator age (ms)", [[this.stream.metricGetRecordsIteratorAgeMilliseconds(), "slowest consumer"]], 12);
    y += 6;
    row("Consumer: errors and lag", [[this.consumer.metricErrors(), "errors"], [this.consumer.metricIteratorAge(), "iterator age (ms)"]], 0);
    const failureQueueDepth = this.consumer.metricFailureQueueDepth();
    row(
      "Consumer: parked records",
      [
        [this.consumer.metricParkedRecords(), "parked"],
        [this.consumer.metricParkedRecordAge(), "oldest parked (s)"],
        ...(failureQueueDepth ? [[failureQueueDepth, "failure queue"] as [Metric, string]] : []),
      ],
      12,
    );
    y += 6;
    row("Firehose: data freshness (s)", this.archives.map((a) => [a.metricDataFreshness(), a.deliveryStreamName] as [Metric, string]), 0, 24);
    return new CloudwatchDashboard(this, "Dashboard", {
      dashboardName: `${prefix}-pipeline`,
      dashboardBody: JSON.stringify({ widgets }),
    });
  }

  private createOutputs(id: string): void {
    const out = (name: string, value: string, description: string, sensitive = false) =>
      addOutput(this, `Output-${name}`, `${id}_${name}`, { value, description, sensitive });
    out("api_url", this.api.url, "Ingest API endpoint");
    out("api_credentials_secret_arn", this.api.credentials.secretArn, "Secret holding the API's Basic-auth credentials");
    this.api.addApiKeysOutput(this, "Output-api_keys", `${id}_api_keys`);
    out("stream_name", this.stream.streamName, "Kinesis data stream name");
    out("stream_arn", this.stream.streamArn, "Kinesis data stream ARN");
    out("table_name", this.table.tableName, "DynamoDB table name");
    out("archive_bucket", this.archiveBucket.bucketName, "S3 bucket the stream is archived to");
    out("parking_queue_url", this.consumer.parkingQueue.queueUrl, "SQS queue holding parked records with their payload");
    out("failure_bucket", this.consumer.failureBucket.bucketName, "S3 bucket of large parked records (parked/) and the mapping's on-failure records");
    if (this.consumer.failureQueueUrl) {
      out("failure_queue_url", this.consumer.failureQueueUrl, "SQS queue receiving the mapping's on-failure records (shard and sequence range)");
    }
    if (this.producer?.role) {
      out("producer_role_arn", this.producer.role.roleArn, "Role the partner assumes (with its ExternalId) to put records");
    }
    if (this.producer?.accessKey) {
      out("producer_access_key_id", this.producer.accessKey.id, "Access key ID of the partner's producer user", true);
      // Only ciphertext: ProducerAccess requires a PGP key for an access key.
      out("producer_encrypted_secret_access_key", this.producer.accessKey.encryptedSecret, "PGP-encrypted secret access key (base64)", true);
    }
  }
}
