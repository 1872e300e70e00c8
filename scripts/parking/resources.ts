/**
 * What the after-incident tools work on: the stack's Terraform outputs, each overridable by a flag,
 * and the SDK clients for them.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/** The pipeline's outputs in the app's stacks (construct id "Pipeline"). */
export const OUTPUT_NAMES = {
  queueUrl: "Pipeline_parking_queue_url",
  bucket: "Pipeline_failure_bucket",
  failureQueueUrl: "Pipeline_failure_queue_url",
  stream: "Pipeline_stream_name",
} as const;

export type ResourceName = keyof typeof OUTPUT_NAMES;

export const RESOURCE_FLAGS: Record<ResourceName, string> = {
  queueUrl: "queue-url",
  bucket: "bucket",
  failureQueueUrl: "failure-queue-url",
  stream: "stream",
};

export interface CliOptions {
  stack: string;
  dryRun: boolean;
  region?: string;
  endpoint?: string;
  overrides: Partial<Record<ResourceName, string>>;
}

/** Parses `<stack> [--dry-run] [--queue-url U] [--bucket B] [--stream S] [--failure-queue-url U] [--region R] [--endpoint URL]`. */
export function parseCli(argv: string[]): CliOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "dry-run": { type: "boolean", default: false },
      region: { type: "string" },
      endpoint: { type: "string" },
      ...Object.fromEntries(Object.values(RESOURCE_FLAGS).map((flag) => [flag, { type: "string" as const }])),
    },
  });
  if (positionals.length !== 1) throw new Error(`expected one stack name, got ${positionals.length} (${positionals.join(" ") || "none"})`);
  const overrides: Partial<Record<ResourceName, string>> = {};
  for (const [name, flag] of Object.entries(RESOURCE_FLAGS) as Array<[ResourceName, string]>) {
    const value = (values as Record<string, unknown>)[flag];
    if (typeof value === "string" && value !== "") overrides[name] = value;
  }
  return {
    stack: positionals[0],
    dryRun: values["dry-run"] === true,
    region: values.region as string | undefined,
    endpoint: values.endpoint as string | undefined,
    overrides,
  };
}

export type TerraformOutputs = Record<string, { value: unknown }>;

/** Runs `terraform output -json` in the stack's synthesized folder. */
export function readTerraformOutputs(root: string, stack: string): TerraformOutputs {
  const dir = path.join(root, "cdktf.out", "stacks", stack);
  if (!fs.existsSync(dir)) throw new Error(`no synthesized stack "${stack}" in ${dir}: run npm run synth, or name each resource with its flag`);
  try {
    const out = execFileSync("terraform", ["output", "-json"], { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(out) as TerraformOutputs;
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`terraform output -json in ${dir} failed: ${stderr || (e as Error).message}`);
  }
}

/**
 * The resources a tool needs: each from its flag, else from the stack's output. Terraform runs
 * only when a flag is missing. Throws naming the output and the flag when neither gives a needed
 * value; an optional one is then left out.
 */
export function resolveResources<N extends ResourceName, O extends ResourceName = never>(
  needed: readonly N[],
  options: CliOptions,
  outputs: () => TerraformOutputs,
  optional: readonly O[] = [],
): Record<N, string> & Partial<Record<O, string>> {
  const resolved = {} as Record<N | O, string>;
  let loaded: TerraformOutputs | undefined;
  for (const name of [...needed, ...optional]) {
    const override = options.overrides[name];
    if (override) {
      resolved[name] = override;
      continue;
    }
    loaded ??= outputs();
    const value = loaded[OUTPUT_NAMES[name]]?.value;
    if (typeof value !== "string" || value === "") {
      if ((optional as readonly ResourceName[]).includes(name)) continue;
      throw new Error(`stack "${options.stack}" has no output ${OUTPUT_NAMES[name]}: pass --${RESOURCE_FLAGS[name]}`);
    }
    resolved[name] = value;
  }
  return resolved;
}

/** The region in an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>), if any. */
export function regionOfQueueUrl(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(url)?.[1];
}

export interface Clients {
  kinesis: KinesisClient;
  sqs: SQSClient;
  s3: S3Client;
}

export function createClients(region: string | undefined, endpoint: string | undefined): Clients {
  const config = { region, ...(endpoint ? { endpoint } : {}) };
  return {
    // The Kinesis client speaks HTTP/2 by default (for SubscribeToShard, not used here), which
    // an emulator's plain-HTTP endpoint refuses; the calls used here work on HTTP/1.1 everywhere.
    kinesis: new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() }),
    sqs: new SQSClient(config),
    // Emulators serve buckets by path, not by virtual host.
    s3: new S3Client({ ...config, forcePathStyle: endpoint !== undefined }),
  };
}

/** Progress lines go to stderr, so stdout carries only the summary. */
export const progressToStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
