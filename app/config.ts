import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from "cdktf";

/**
 * The app's configuration: environment variables first, then cdktf context (`cdktf.json`
 * "context" or `--context`), then defaults. Pure functions, so tests need no process state.
 */

export type Env = Record<string, string | undefined>;
/** Looks a key up in cdktf context (`app.node.tryGetContext`). */
export type ContextLookup = (key: string) => unknown;

export type BackendConfig =
  | { readonly kind: "local"; readonly path: string }
  | { readonly kind: "cloud"; readonly organization: string; readonly workspace: string; readonly hostname?: string }
  | {
      readonly kind: "s3";
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      readonly lockTable?: string;
    };

export interface ProducerConfig {
  readonly mode: "ASSUME_ROLE" | "ACCESS_KEY";
  readonly trustedAccountId?: string;
  readonly externalId?: string;
  readonly pgpKey?: string;
}

export interface AppConfig {
  /** The environment's name (dev, prod, …), or undefined for the single-stack setup. */
  readonly environment?: string;
  readonly stackName: string;
  readonly region: string;
  readonly namePrefix: string;
  readonly tags: Record<string, string>;
  readonly backend: BackendConfig;
  readonly producer: ProducerConfig;
  /** Terraform version constraint of hashicorp/aws. */
  readonly awsProviderVersion: string;
  /** What destroy may do to data-holding resources. */
  readonly removalPolicy: "RETAIN" | "DESTROY";
  /** How long the stream keeps records, hours (the consumer gives up an hour before). */
  readonly streamRetentionHours: number;
  /** A local AWS emulator (moto, LocalStack) every provider endpoint points at; state is then local. */
  readonly emulatorEndpoint?: string;
}

/** The AWS provider versions the stacks are tested with: 5.100 (deploy tier) up to the 6.x bindings. */
export const DEFAULT_AWS_PROVIDER_VERSION = ">= 5.100.0, < 7.0.0";

/** Every variable the app reads, with its context key and meaning (README and `help` list the same). */
export const CONFIG_VARIABLES = {
  INGEST_STACK_NAME: { context: "stackName", doc: "Stack name (the cdktf.out/stacks/<name> folder)", default: "streaming-ingest" },
  AWS_REGION: { context: "region", doc: "AWS region of every resource", default: "us-east-1" },
  INGEST_NAME_PREFIX: { context: "namePrefix", doc: "Prefix of physical names, [a-z][a-z0-9-]{0,23}", default: "ingest" },
  INGEST_TAGS: { context: "tags", doc: "Extra default_tags: JSON object or k=v,k2=v2", default: "" },
  TF_CLOUD_ORGANIZATION: { context: "tfCloudOrganization", doc: "Terraform Cloud organization (with TF_WORKSPACE)", default: "" },
  TF_WORKSPACE: { context: "tfWorkspace", doc: "Terraform Cloud workspace (with TF_CLOUD_ORGANIZATION)", default: "" },
  TF_CLOUD_HOSTNAME: { context: "tfCloudHostname", doc: "Terraform Enterprise host", default: "app.terraform.io" },
  TF_STATE_BUCKET: { context: "stateBucket", doc: "S3 bucket for state (selects the S3 backend)", default: "" },
  TF_STATE_KEY: { context: "stateKey", doc: "S3 object key of the state", default: "<stack>/terraform.tfstate" },
  TF_STATE_REGION: { context: "stateRegion", doc: "Region of the state bucket", default: "AWS_REGION" },
  TF_STATE_LOCK_TABLE: { context: "stateLockTable", doc: "DynamoDB lock table; unset = S3 native lock file", default: "" },
  INGEST_PRODUCER_MODE: { context: "producerMode", doc: "ASSUME_ROLE or ACCESS_KEY", default: "ASSUME_ROLE if INGEST_PARTNER_ACCOUNT_ID is set, else ACCESS_KEY" },
  INGEST_PARTNER_ACCOUNT_ID: { context: "partnerAccountId", doc: "Partner's AWS account (ASSUME_ROLE mode)", default: "" },
  INGEST_PARTNER_EXTERNAL_ID: { context: "partnerExternalId", doc: "ExternalId the partner must pass (ASSUME_ROLE mode)", default: "" },
  INGEST_PRODUCER_PGP_KEY: { context: "producerPgpKey", doc: "PGP key that encrypts the access key secret (ACCESS_KEY mode)", default: "" },
  INGEST_AWS_PROVIDER_VERSION: { context: "awsProviderVersion", doc: "Version constraint of the hashicorp/aws provider", default: DEFAULT_AWS_PROVIDER_VERSION },
  INGEST_EMULATOR_ENDPOINT: { context: "emulatorEndpoint", doc: "Local AWS emulator URL (moto, LocalStack): every endpoint, test credentials, local state", default: "" },
  INGEST_REMOVAL_POLICY: { context: "removalPolicy", doc: "RETAIN (prevent_destroy, deletion protection) or DESTROY (force_destroy)", default: "DESTROY for an environment named dev, else RETAIN" },
  INGEST_STREAM_RETENTION_HOURS: { context: "streamRetentionHours", doc: "Stream retention in whole hours, 24–8760 (the consumer gives up on a record an hour earlier)", default: "24 for an environment named dev, else 168 (7 days)" },
  INGEST_STATE_DIR: { context: "stateDir", doc: "Absolute directory of the local state file", default: "relative terraform.<stack>.tfstate" },
} as const;
export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Reads one variable: environment, then context, then undefined. Empty strings count as unset. */
function reader(env: Env, context: ContextLookup) {
  return (name: ConfigVariable): string | undefined => {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const fromContext = context(CONFIG_VARIABLES[name].context);
    if (fromContext === undefined || fromContext === null || fromContext === "") return undefined;
    return typeof fromContext === "string" ? fromContext : JSON.stringify(fromContext);
  };
}

export function parseTags(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  const trimmed = raw.trim();
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ConfigError(`INGEST_TAGS is not valid JSON: ${raw}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`INGEST_TAGS must be a JSON object of strings; got ${raw}`);
    }
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== "string") throw new ConfigError(`INGEST_TAGS: tag ${k} must be a string; got ${JSON.stringify(v)}`);
      tags[k] = v;
    }
    return tags;
  }
  const tags: Record<string, string> = {};
  for (const pair of trimmed.split(",").filter((p) => p.trim() !== "")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new ConfigError(`INGEST_TAGS must be k=v pairs separated by commas; got ${JSON.stringify(pair)}`);
    tags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return tags;
}

/** Overrides an environment applies on top of the variables (see `resolveEnvironments`). */
interface EnvironmentOverrides {
  readonly environment: string;
  readonly stackName: string;
  readonly namePrefix: string;
}

export function resolveConfig(env: Env, context: ContextLookup = () => undefined, overrides?: EnvironmentOverrides): AppConfig {
  const get = reader(env, context);
  const stackName = overrides?.stackName ?? get("INGEST_STACK_NAME") ?? "streaming-ingest";
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(stackName)) {
    throw new ConfigError(`INGEST_STACK_NAME must match [A-Za-z][A-Za-z0-9_-]{0,63}; got ${JSON.stringify(stackName)}`);
  }
  const region = get("AWS_REGION") ?? "us-east-1";
  if (!/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(region)) {
    throw new ConfigError(`AWS_REGION must be an AWS region such as eu-west-1; got ${JSON.stringify(region)}`);
  }
  const namePrefix = overrides?.namePrefix ?? get("INGEST_NAME_PREFIX") ?? "ingest";
  if (!/^[a-z][a-z0-9-]{0,23}$/.test(namePrefix)) {
    throw new ConfigError(`INGEST_NAME_PREFIX must match [a-z][a-z0-9-]{0,23}; got ${JSON.stringify(namePrefix)}`);
  }
  return {
    environment: overrides?.environment,
    stackName,
    region,
    namePrefix,
    tags: {
      ManagedBy: "cdktf",
      Project: "streaming-ingest",
      ...(overrides ? { Environment: overrides.environment } : {}),
      ...parseTags(get("INGEST_TAGS")),
    },
    backend: resolveBackend(get, stackName, region),
    producer: resolveProducer(get),
    awsProviderVersion: resolveProviderVersion(get("INGEST_AWS_PROVIDER_VERSION")),
    removalPolicy: resolveRemovalPolicy(get("INGEST_REMOVAL_POLICY"), overrides?.environment),
    streamRetentionHours: resolveStreamRetentionHours(get("INGEST_STREAM_RETENTION_HOURS"), overrides?.environment),
    emulatorEndpoint: resolveEmulatorEndpoint(get("INGEST_EMULATOR_ENDPOINT")),
  };
}

function resolveRemovalPolicy(raw: string | undefined, environment: string | undefined): "RETAIN" | "DESTROY" {
  if (raw === undefined) return environment === "dev" ? "DESTROY" : "RETAIN";
  if (raw !== "RETAIN" && raw !== "DESTROY") throw new ConfigError(`INGEST_REMOVAL_POLICY must be RETAIN or DESTROY; got ${JSON.stringify(raw)}`);
  return raw;
}

/** 24 hours (Kinesis's minimum) for dev; 7 days elsewhere, so a broken consumer can be fixed before records expire. */
function resolveStreamRetentionHours(raw: string | undefined, environment: string | undefined): number {
  if (raw === undefined) return environment === "dev" ? 24 : 168;
  const hours = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || hours < 24 || hours > 8760) {
    throw new ConfigError(`INGEST_STREAM_RETENTION_HOURS must be a whole number of hours from 24 to 8760; got ${JSON.stringify(raw)}`);
  }
  return hours;
}

function resolveProviderVersion(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_AWS_PROVIDER_VERSION;
  const constraint = /^\s*(=|!=|>=|<=|>|<|~>)?\s*\d+(\.\d+){0,2}(-[0-9A-Za-z.]+)?\s*$/;
  if (!raw.split(",").every((part) => constraint.test(part))) {
    throw new ConfigError(`INGEST_AWS_PROVIDER_VERSION must be a Terraform version constraint such as ">= 5.100.0, < 7.0.0"; got ${JSON.stringify(raw)}`);
  }
  return raw.trim();
}

function resolveEmulatorEndpoint(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(raw)) {
    throw new ConfigError(`INGEST_EMULATOR_ENDPOINT must be an http(s) URL such as http://127.0.0.1:5000; got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function resolveBackend(get: (n: ConfigVariable) => string | undefined, stackName: string, region: string): BackendConfig {
  const stateDir = get("INGEST_STATE_DIR");
  if (stateDir !== undefined && !stateDir.startsWith("/")) {
    throw new ConfigError(`INGEST_STATE_DIR must be an absolute directory; got ${JSON.stringify(stateDir)}`);
  }
  const local: BackendConfig = { kind: "local", path: stateDir ? `${stateDir.replace(/\/+$/, "")}/terraform.${stackName}.tfstate` : `terraform.${stackName}.tfstate` };
  // Against an emulator the state is local: a remote backend would be real AWS or a real workspace.
  if (get("INGEST_EMULATOR_ENDPOINT") !== undefined) return local;
  const cloudVars = (["TF_CLOUD_ORGANIZATION", "TF_WORKSPACE"] as const).filter((n) => get(n) !== undefined);
  const s3Vars = (["TF_STATE_BUCKET", "TF_STATE_KEY", "TF_STATE_REGION", "TF_STATE_LOCK_TABLE"] as const).filter(
    (n) => get(n) !== undefined,
  );
  if (cloudVars.length > 0 && s3Vars.length > 0) {
    throw new ConfigError(
      `Both a Terraform Cloud backend (${cloudVars.join(", ")}) and an S3 backend (${s3Vars.join(", ")}) are configured; unset one of them`,
    );
  }
  if (cloudVars.length === 1) {
    const missing = cloudVars[0] === "TF_CLOUD_ORGANIZATION" ? "TF_WORKSPACE" : "TF_CLOUD_ORGANIZATION";
    throw new ConfigError(`${cloudVars[0]} is set but ${missing} is not; the Terraform Cloud backend needs both`);
  }
  if (cloudVars.length === 2) {
    return {
      kind: "cloud",
      organization: get("TF_CLOUD_ORGANIZATION")!,
      workspace: get("TF_WORKSPACE")!,
      hostname: get("TF_CLOUD_HOSTNAME"),
    };
  }
  if (s3Vars.length > 0) {
    const bucket = get("TF_STATE_BUCKET");
    if (bucket === undefined) {
      throw new ConfigError(`${s3Vars.join(", ")} ${s3Vars.length > 1 ? "are" : "is"} set but TF_STATE_BUCKET is not; the S3 backend needs a bucket`);
    }
    return {
      kind: "s3",
      bucket,
      key: get("TF_STATE_KEY") ?? `${stackName}/terraform.tfstate`,
      region: get("TF_STATE_REGION") ?? region,
      lockTable: get("TF_STATE_LOCK_TABLE"),
    };
  }
  if (get("TF_CLOUD_HOSTNAME") !== undefined) {
    throw new ConfigError("TF_CLOUD_HOSTNAME is set but TF_CLOUD_ORGANIZATION and TF_WORKSPACE are not");
  }
  // Relative by default, so the synthesized JSON is the same on every machine (cdktf's default is absolute).
  return local;
}

function resolveProducer(get: (n: ConfigVariable) => string | undefined): ProducerConfig {
  const trustedAccountId = get("INGEST_PARTNER_ACCOUNT_ID");
  const externalId = get("INGEST_PARTNER_EXTERNAL_ID");
  const pgpKey = get("INGEST_PRODUCER_PGP_KEY");
  const mode = get("INGEST_PRODUCER_MODE") ?? (trustedAccountId !== undefined ? "ASSUME_ROLE" : "ACCESS_KEY");
  if (mode !== "ASSUME_ROLE" && mode !== "ACCESS_KEY") {
    throw new ConfigError(`INGEST_PRODUCER_MODE must be ASSUME_ROLE or ACCESS_KEY; got ${JSON.stringify(mode)}`);
  }
  if (mode === "ASSUME_ROLE") {
    if (trustedAccountId === undefined || externalId === undefined) {
      throw new ConfigError(
        "INGEST_PRODUCER_MODE=ASSUME_ROLE needs INGEST_PARTNER_ACCOUNT_ID and INGEST_PARTNER_EXTERNAL_ID",
      );
    }
    if (pgpKey !== undefined) {
      throw new ConfigError("INGEST_PRODUCER_PGP_KEY applies to ACCESS_KEY mode, but INGEST_PRODUCER_MODE is ASSUME_ROLE");
    }
    return { mode, trustedAccountId, externalId };
  }
  if (trustedAccountId !== undefined || externalId !== undefined) {
    throw new ConfigError(
      "INGEST_PARTNER_ACCOUNT_ID and INGEST_PARTNER_EXTERNAL_ID apply to ASSUME_ROLE mode, but INGEST_PRODUCER_MODE is ACCESS_KEY",
    );
  }
  return { mode, pgpKey };
}

/**
 * One configuration per environment. The environments are `INGEST_ENVIRONMENTS` (comma-separated)
 * or the keys of the context's `environments` object; each one's context entries override the
 * global context, environment variables still come first, and its stack name and name prefix get
 * the environment as a suffix unless it sets them. No environments: the single-stack setup.
 */
export function resolveEnvironments(env: Env, context: ContextLookup = () => undefined): AppConfig[] {
  const perEnvironment = context("environments");
  if (perEnvironment !== undefined && (typeof perEnvironment !== "object" || perEnvironment === null || Array.isArray(perEnvironment))) {
    throw new ConfigError(`context "environments" must be an object of environment name -> settings; got ${JSON.stringify(perEnvironment)}`);
  }
  const settings = (perEnvironment ?? {}) as Record<string, Record<string, unknown>>;
  const names = env.INGEST_ENVIRONMENTS
    ? env.INGEST_ENVIRONMENTS.split(",").map((n) => n.trim()).filter(Boolean)
    : Object.keys(settings);
  if (names.length === 0) return [resolveConfig(env, context)];
  for (const name of names) {
    if (!/^[a-z][a-z0-9]{0,9}$/.test(name)) throw new ConfigError(`environment names must match [a-z][a-z0-9]{0,9}; got ${JSON.stringify(name)}`);
  }
  if (names.length > 1 && env.TF_WORKSPACE) {
    throw new ConfigError(
      `TF_WORKSPACE names one Terraform Cloud workspace but ${names.length} environments (${names.join(", ")}) are configured; set tfWorkspace per environment in cdktf.json context instead`,
    );
  }
  return names.map((name) => {
    const own = settings[name] ?? {};
    const layered: ContextLookup = (key) => (key in own ? own[key] : context(key));
    const get = reader(env, layered);
    return resolveConfig(env, layered, {
      environment: name,
      stackName: (own.stackName as string | undefined) ?? `${get("INGEST_STACK_NAME") ?? "streaming-ingest"}-${name}`,
      namePrefix: (own.namePrefix as string | undefined) ?? `${get("INGEST_NAME_PREFIX") ?? "ingest"}-${name}`,
    });
  });
}

/** Adds the configured state backend to a stack. */
export function configureBackend(stack: TerraformStack, backend: BackendConfig): void {
  switch (backend.kind) {
    case "local":
      new LocalBackend(stack, { path: backend.path });
      return;
    case "cloud":
      new CloudBackend(stack, {
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(backend.workspace),
        hostname: backend.hostname,
      });
      return;
    case "s3": {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        encrypt: true,
        dynamodbTable: backend.lockTable,
      });
      // S3-native locking (Terraform ≥ 1.10) when no DynamoDB lock table is named;
      // cdktf 0.21's S3BackendConfig predates the option, hence the override.
      if (!backend.lockTable) s3.addOverride("use_lockfile", true);
      return;
    }
  }
}
