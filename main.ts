import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AppConfig, configureBackend, resolveConfig } from "./modules/app-config";
import {
  DataStream,
  DeliveryStream,
  EventTable,
  IngestApi,
  ProducerAccess,
  ProducerAccessMode,
  S3Destination,
  SecureBucket,
  StreamConsumer,
} from "./modules";

/** The streaming-ingest stack, built from an `AppConfig` (see `resolveConfig`). */
export class IngestStack extends TerraformStack {
  readonly stream: DataStream;
  readonly producerAccess: ProducerAccess;
  readonly table: EventTable;
  readonly consumer: StreamConsumer;
  readonly api: IngestApi;
  readonly archive: DeliveryStream;

  constructor(scope: Construct, config: AppConfig) {
    super(scope, config.stackName);
    configureBackend(this, config.backend);
    new AwsProvider(this, "aws", { region: config.region, defaultTags: [{ tags: config.tags }] });

    this.stream = new DataStream(this, "Stream", { streamName: `${config.namePrefix}-events` });
    this.producerAccess = new ProducerAccess(this, "PartnerProducer", {
      stream: this.stream,
      mode: config.producer.mode === "ASSUME_ROLE" ? ProducerAccessMode.ASSUME_ROLE : ProducerAccessMode.ACCESS_KEY,
      trustedAccountId: config.producer.trustedAccountId,
      externalId: config.producer.externalId,
      pgpKey: config.producer.pgpKey,
      identityName: `${config.namePrefix}-partner-producer`,
    });
    this.api = new IngestApi(this, "IngestApi", {
      streams: [this.stream],
      apiName: `${config.namePrefix}-ingest`,
      credentials: { secretName: `${config.namePrefix}/ingest-api/basic-auth` },
      authorizerFunction: { functionName: `${config.namePrefix}-authorizer` },
    });
    this.table = new EventTable(this, "Events", { tableName: `${config.namePrefix}-events` });
    this.consumer = new StreamConsumer(this, "Consumer", {
      stream: this.stream,
      table: this.table,
      failureQueueName: `${config.namePrefix}-consumer-failures`,
      function: { functionName: `${config.namePrefix}-stream-consumer` },
    });

    // Every record also lands in S3 (the partner guide's `<stream>-to-s3`), with access logs kept.
    const accessLogs = new SecureBucket(this, "AccessLogs", { bucketPrefix: `${config.namePrefix}-access-logs`, accessLogTarget: true });
    const archiveBucket = new SecureBucket(this, "Archive", { bucketPrefix: `${config.namePrefix}-archive`, accessLogsBucket: accessLogs });
    this.archive = new DeliveryStream(this, "ToS3", {
      source: this.stream,
      destinations: [
        new S3Destination({
          bucket: archiveBucket,
          dataOutputPrefix: "events/!{timestamp:yyyy/MM/dd/HH}/",
          errorOutputPrefix: "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/",
        }),
      ],
    });
  }
}

/** Builds the app's stacks from the environment and cdktf context. */
export function buildApp(app: App, env: NodeJS.ProcessEnv = process.env): IngestStack {
  return new IngestStack(app, resolveConfig(env, (key) => app.node.tryGetContext(key)));
}

/** Synthesizes the app into cdktf.out (the `cdktf.json` "app" runs this through scripts/app.js). */
export function runApp(): void {
  const app = new App();
  buildApp(app);
  app.synth();
}

if (require.main === module) runApp();
