import * as fs from "fs";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AppConfig, configureBackend, resolveEnvironments } from "./app/config";
import { Duration, localEmulatorProviderConfig, ProducerAccessMode, RemovalPolicy, StreamingIngestPipeline } from "./modules";

/** One environment's streaming-ingest stack, built from an `AppConfig` (see `resolveEnvironments`). */
export class IngestStack extends TerraformStack {
  readonly pipeline: StreamingIngestPipeline;

  constructor(scope: Construct, config: AppConfig) {
    super(scope, config.stackName);
    configureBackend(this, config.backend);
    new AwsProvider(this, "aws", {
      region: config.region,
      defaultTags: [{ tags: config.tags }],
      ...(config.emulatorEndpoint ? localEmulatorProviderConfig(config.emulatorEndpoint) : {}),
    });
    // The bindings pin the version they were generated for; a range admits every tested major.
    this.addOverride("terraform.required_providers.aws.version", config.awsProviderVersion);
    this.pipeline = new StreamingIngestPipeline(this, "Pipeline", {
      namePrefix: config.namePrefix,
      removalPolicy: config.removalPolicy === "DESTROY" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      stream: { retentionPeriod: Duration.hours(config.streamRetentionHours) },
      producer: {
        mode: config.producer.mode === "ASSUME_ROLE" ? ProducerAccessMode.ASSUME_ROLE : ProducerAccessMode.ACCESS_KEY,
        trustedAccountId: config.producer.trustedAccountId,
        externalId: config.producer.externalId,
        pgpKey: config.producer.pgpKey,
      },
    });
  }
}

/** Builds one stack per configured environment from the environment variables and cdktf context. */
export function buildApp(app: App, env: NodeJS.ProcessEnv = process.env): IngestStack[] {
  return resolveEnvironments(env, (key) => app.node.tryGetContext(key)).map((config) => new IngestStack(app, config));
}

/** The context of cdktf.json, for runs without the cdktf CLI (which passes it in CDKTF_CONTEXT_JSON). */
function cdktfJsonContext(): Record<string, unknown> | undefined {
  if (process.env.CDKTF_CONTEXT_JSON) return undefined;
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, "cdktf.json");
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")).context;
  }
  return undefined;
}

/** Synthesizes the app into cdktf.out (the `cdktf.json` "app" runs this through scripts/app.js). */
export function runApp(): void {
  const app = new App({ context: cdktfJsonContext() });
  buildApp(app);
  app.synth();
}

if (require.main === module) runApp();
