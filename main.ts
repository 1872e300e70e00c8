import * as fs from "fs";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AppConfig, ConfigError, configureBackend, resolveEnvironments, withContextOverride } from "./app/config";
import { restoreLockFiles, saveLockFiles } from "./app/lock-files";
import { Duration, localEmulatorProviderConfig, ProducerAccessMode, RemovalPolicy, StreamingIngestPipeline, ValidationError } from "./modules";

/** One environment's streaming-ingest stack, built from an `AppConfig` (see `resolveEnvironments`). */
export class IngestStack extends TerraformStack {
  readonly pipeline: StreamingIngestPipeline;

  constructor(scope: Construct, readonly config: AppConfig) {
    super(scope, config.stackName);
    configureBackend(this, config.backend);
    new AwsProvider(this, "aws", {
      region: config.region,
      defaultTags: [{ tags: config.tags }],
      ...(config.emulatorEndpoint ? localEmulatorProviderConfig(config.emulatorEndpoint) : {}),
    });
    // The bindings pin the version they were generated for; a range admits every tested major.
    // The source is spelled out: cdktf writes "aws", CDK Terrain "hashicorp/aws" (the same
    // provider), so both engines synthesize the same JSON.
    this.addOverride("terraform.required_providers.aws", { source: "hashicorp/aws", version: config.awsProviderVersion });
    this.pipeline = new StreamingIngestPipeline(this, "Pipeline", {
      namePrefix: config.namePrefix,
      removalPolicy: config.removalPolicy === "DESTROY" ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      stream: { retentionPeriod: Duration.hours(config.streamRetentionHours) },
      api: {
        ...(config.secretRotationDays === undefined ? {} : { credentials: { rotateEvery: Duration.days(config.secretRotationDays) } }),
        ...(config.webAcl ? { webAcl: {} } : {}),
      },
      manageApiGatewayAccountLogging: config.manageApiGatewayAccountLogging,
      // No producer identity unless one is configured: partners come in through the API.
      producer:
        config.producer.mode === "NONE"
          ? undefined
          : {
              mode: config.producer.mode === "ASSUME_ROLE" ? ProducerAccessMode.ASSUME_ROLE : ProducerAccessMode.ACCESS_KEY,
              trustedAccountId: config.producer.trustedAccountId,
              externalId: config.producer.externalId,
              pgpKey: config.producer.pgpKey,
            },
    });
    const logging = this.pipeline.accountLogging;
    if (logging) {
      // Before 0.3, IngestApi managed the account setting under these addresses: moved, so an
      // upgrade changes the addresses only and replaces nothing.
      logging.account.moveFromId("aws_api_gateway_account.Pipeline_Api_AccountSettings_6C5EFCB4");
      logging.role.resource.moveFromId("aws_iam_role.Pipeline_Api_CloudWatchRole_7F9427D2");
      logging.role.policyResource?.moveFromId("aws_iam_role_policy.Pipeline_Api_CloudWatchRole_Policy_26122C65");
    }
  }
}

/** Builds one stack per configured environment from the environment variables and cdktf context. */
export function buildApp(app: App, env: NodeJS.ProcessEnv = process.env): IngestStack[] {
  const context = withContextOverride(env, (key) => app.node.tryGetContext(key));
  return resolveEnvironments(env, context).map((config) => new IngestStack(app, config));
}

/**
 * The context of cdktf.json, for runs without the CLI (which passes it in CDKTF_CONTEXT_JSON),
 * with its `targetVersions` as the CLI of CDK Terrain passes them: cdktn checks at synth that
 * the Terraform versions a project targets support its features (write-only arguments need
 * 1.11). cdktf ignores the key.
 */
function cdktfJsonContext(): Record<string, unknown> | undefined {
  if (process.env.CDKTF_CONTEXT_JSON) return undefined;
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, "cdktf.json");
    if (!fs.existsSync(file)) continue;
    const { context, targetVersions } = JSON.parse(fs.readFileSync(file, "utf8"));
    return targetVersions === undefined ? context : { ...context, targetVersions };
  }
  return undefined;
}

/**
 * Synthesizes the app into cdktf.out (the `cdktf.json` "app" runs this through scripts/app.js),
 * keeping each stack's `.terraform.lock.hcl` beside the local state (app/lock-files.ts). A bad
 * setting ends the run with one line on stderr and exit code 1, before anything is written.
 */
export function runApp(env: NodeJS.ProcessEnv = process.env): void {
  try {
    const app = new App({ context: cdktfJsonContext() });
    // Lock files are kept beside the local state: INGEST_STATE_DIR, else the project root.
    const byKeepDir = new Map<string, string[]>();
    for (const { config } of buildApp(app, env)) {
      const dir = config.backend.kind === "local" && config.backend.directory !== undefined ? config.backend.directory : process.cwd();
      byKeepDir.set(dir, [...(byKeepDir.get(dir) ?? []), config.stackName]);
    }
    byKeepDir.forEach((stacks, dir) => saveLockFiles(app.outdir, dir, stacks));
    app.synth();
    byKeepDir.forEach((stacks, dir) => restoreLockFiles(app.outdir, dir, stacks));
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof ValidationError)) throw error;
    process.stderr.write(`Error: ${error.message}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) runApp();
