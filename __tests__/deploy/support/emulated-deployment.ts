/**
 * One stack of the app, synthesized for a fresh moto server and deployed there: the deploy
 * tier's fixture. The app is synthesized exactly as a user would with the emulator setting
 * (`INGEST_EMULATOR_ENDPOINT`, `INGEST_STATE_DIR`); nothing in the JSON is edited by hand, except
 * by a named mutation (see mutations.ts) when the mutation check asks for one.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { APIGatewayClient, GetRestApisCommand } from "@aws-sdk/client-api-gateway";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { FirehoseClient, ListDeliveryStreamsCommand } from "@aws-sdk/client-firehose";
import { IAMClient, ListRolesCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import { KinesisClient, ListStreamsCommand } from "@aws-sdk/client-kinesis";
import { DescribeKeyCommand, KMSClient, ListAliasesCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { LambdaClient, ListEventSourceMappingsCommand, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { ListSecretsCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";

import { projectRoot } from "../../../scripts/project-root";
import { MotoServer, startMoto } from "../../helpers/moto";
import { applyMutation, MutationName } from "./mutations";
import { findProviderMirror, run, tail, Terraform, writeCliConfig } from "./terraform";

export const ROOT = projectRoot();

export interface EmulatedDeployment {
  readonly stack: string;
  readonly region: string;
  readonly moto: MotoServer;
  /** Temp directory holding the synth output, the state and the CLI config. */
  readonly workDir: string;
  /** `cdktf.out`-like output directory (`<outDir>/stacks/<stack>`). */
  readonly outDir: string;
  readonly stackDir: string;
  /** The local state file the stack's backend writes. */
  readonly stateFile: string;
  /** Environment for the app, cdktf and terraform. */
  readonly env: NodeJS.ProcessEnv;
  readonly terraform: Terraform;
  /** The synthesized (and, if asked, mutated) Terraform JSON. */
  readonly json: any;
  dispose(): Promise<void>;
}

/** The mutation the mutation check asked this run to apply, if any (`INGEST_DEPLOY_MUTATION`). */
export function requestedMutation(): MutationName | undefined {
  return (process.env.INGEST_DEPLOY_MUTATION || undefined) as MutationName | undefined;
}

/**
 * The partner path the end-to-end run drives, opted in (the app creates no producer identity by
 * default): an access key, encrypted for a test PGP public key whose private half was thrown
 * away, so nothing can read its secret.
 */
export const PARTNER_PRODUCER_ENV = {
  INGEST_PRODUCER_MODE: "ACCESS_KEY",
  INGEST_PRODUCER_PGP_KEY: fs.readFileSync(path.join(__dirname, "fixtures", "producer-pgp-public-key.b64"), "utf8").trim(),
};

/**
 * Starts a fresh moto server and synthesizes the app for it into a temp directory (the
 * checkout's cdktf.out is never touched). Deploy with `terraform` or with `cdktf deploy
 * --skip-synth --output <outDir>`.
 */
export async function prepareDeployment(stack: string, options: { region: string; mutation?: MutationName }): Promise<EmulatedDeployment> {
  const moto = await startMoto();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `deploy-${stack}-`));
  const outDir = path.join(workDir, "cdktf.out");
  const stateDir = path.join(workDir, "state");
  fs.mkdirSync(stateDir);
  const env: NodeJS.ProcessEnv = {
    ...withoutAwsCredentials(process.env),
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_CLI_CONFIG_FILE: writeCliConfig(workDir, findProviderMirror()),
    INGEST_EMULATOR_ENDPOINT: moto.endpoint,
    INGEST_STATE_DIR: stateDir,
    ...PARTNER_PRODUCER_ENV,
    CDKTF_OUTDIR: outDir,
  };
  const synth = await run(process.execPath, [path.join(ROOT, "scripts", "app.js")], { cwd: ROOT, env });
  if (synth.code !== 0) {
    await moto.stop();
    throw new Error(`synth failed:\n${tail(synth)}`);
  }
  const stackDir = path.join(outDir, "stacks", stack);
  const file = path.join(stackDir, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  if (options.mutation) {
    applyMutation(options.mutation, json);
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
  }
  return {
    stack,
    region: options.region,
    moto,
    workDir,
    outDir,
    stackDir,
    stateFile: path.join(stateDir, `terraform.${stack}.tfstate`),
    env,
    terraform: new Terraform(stackDir, env),
    json,
    dispose: async () => {
      await moto.stop();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Every resource address of the synthesized JSON: what a complete apply leaves in state. */
export function resourceAddresses(json: { resource: Record<string, object> }): string[] {
  return Object.entries(json.resource)
    .flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`))
    .sort();
}

/** The resource addresses in the deployment's state (data sources left out). */
export async function addressesInState(deployment: EmulatedDeployment): Promise<string[]> {
  return (await deployment.terraform.stateList()).filter((a) => !a.startsWith("data.")).sort();
}

/** Runs the project's cdktf CLI (`cdktf deploy`, `cdktf destroy`, …) as a user would, from the project root. */
export async function cdktf(deployment: EmulatedDeployment, args: string[]): Promise<string> {
  const bin = path.join(ROOT, "node_modules", ".bin", "cdktf");
  // No `terraform providers lock`: it asks the registry even when a mirror is configured.
  const result = await run(bin, [...args, "--output", deployment.outDir, "--no-color", "--skip-provider-lock"], { cwd: ROOT, env: { ...deployment.env, CI: "1" } });
  if (result.code !== 0) throw new Error(`cdktf ${args.join(" ")} exited ${result.code}:\n${tail(result)}`);
  return result.stdout;
}

/** Real AWS credentials have no business in a run against the emulator. */
function withoutAwsCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const key of ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"]) delete copy[key];
  return copy;
}

/** SDK client settings for the deployment's emulator and region. */
export function clientConfig(deployment: EmulatedDeployment) {
  return { endpoint: deployment.moto.endpoint, region: deployment.region, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
}

/**
 * Everything of every kind the stacks create that exists in the emulator, by kind. KMS keys
 * cannot be deleted at once (they wait 7–30 days), so only customer keys not pending deletion
 * count.
 */
export async function inventory(deployment: EmulatedDeployment): Promise<Record<string, string[]>> {
  const cfg = clientConfig(deployment);
  const kms = new KMSClient(cfg);
  const keys = (await kms.send(new ListKeysCommand({}))).Keys ?? [];
  // AWS-managed keys (alias/aws/kinesis, alias/aws/dynamodb, …) are made by the services on first
  // use, not by the stack; moto 5.2.5 marks its DynamoDB one CUSTOMER, so the alias decides.
  const awsManaged = new Set(((await kms.send(new ListAliasesCommand({}))).Aliases ?? []).filter((a) => a.AliasName?.startsWith("alias/aws/")).map((a) => a.TargetKeyId));
  const liveKeys: string[] = [];
  for (const key of keys) {
    const meta = (await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId! }))).KeyMetadata;
    if (meta?.KeyManager === "CUSTOMER" && !awsManaged.has(key.KeyId) && meta.KeyState !== "PendingDeletion") liveKeys.push(key.KeyId!);
  }
  const secrets = (await new SecretsManagerClient(cfg).send(new ListSecretsCommand({}))).SecretList ?? [];
  return {
    "api gateway rest apis": ((await new APIGatewayClient(cfg).send(new GetRestApisCommand({}))).items ?? []).map((a) => a.name!),
    "cloudwatch alarms": await cloudWatchNames(deployment, "DescribeAlarms", "AlarmName"),
    "cloudwatch dashboards": await cloudWatchNames(deployment, "ListDashboards", "DashboardName"),
    "log groups": ((await new CloudWatchLogsClient(cfg).send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName!),
    "dynamodb tables": (await new DynamoDBClient(cfg).send(new ListTablesCommand({}))).TableNames ?? [],
    "firehose delivery streams": (await new FirehoseClient(cfg).send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames ?? [],
    "iam roles": ((await new IAMClient(cfg).send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName!),
    "iam users": ((await new IAMClient(cfg).send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName!),
    "kinesis streams": (await new KinesisClient({ ...cfg, requestHandler: new NodeHttpHandler() }).send(new ListStreamsCommand({}))).StreamNames ?? [],
    "customer kms keys (not pending deletion)": liveKeys,
    "lambda functions": ((await new LambdaClient(cfg).send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!),
    "lambda event source mappings": ((await new LambdaClient(cfg).send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? []).map((m) => m.UUID!),
    "s3 buckets": ((await new S3Client({ ...cfg, forcePathStyle: true }).send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!),
    "secrets (not scheduled for deletion)": secrets.filter((s) => !s.DeletedDate).map((s) => s.Name!),
    "sqs queues": (await new SQSClient(cfg).send(new ListQueuesCommand({}))).QueueUrls ?? [],
  };
}

/**
 * Names from a CloudWatch list call over the query protocol. Today's SDK speaks CloudWatch's
 * newer JSON protocol, which moto 5.2.5 does not answer, so this asks as older clients do.
 */
async function cloudWatchNames(deployment: EmulatedDeployment, action: string, nameElement: string): Promise<string[]> {
  const response = await fetch(deployment.moto.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${deployment.region}/monitoring/aws4_request, SignedHeaders=host, Signature=emulated`,
    },
    body: `Action=${action}&Version=2010-08-01`,
  });
  const xml = await response.text();
  if (!response.ok) throw new Error(`CloudWatch ${action} answered ${response.status}: ${xml.slice(0, 200)}`);
  return [...xml.matchAll(new RegExp(`<${nameElement}>([^<]*)</${nameElement}>`, "g"))].map((m) => m[1]);
}

/** The non-empty kinds of an inventory. */
export function leftovers(found: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(found).filter(([, names]) => names.length > 0));
}
