import { TerraformStack } from "cdktf";
import { stackBackend, stateLocation, StateBackendConfig, STACK_PLACEHOLDER } from "../modules";

/**
 * The app's configuration: environment variables first, then cdktf context (`cdktf.json`
 * "context" or `--context`), then defaults. Pure functions, so tests need no process state.
 */

export type Env = Record<string, string | undefined>;
/** Looks a key up in cdktf context (`app.node.tryGetContext`). */
export type ContextLookup = (key: string) => unknown;

/** The state backend of a stack: the library's `StateBackendConfig` (modules/core/state-backend.ts). */
export type BackendConfig = StateBackendConfig;

export interface ProducerConfig {
  /** NONE: no producer identity at all (partners come in through the API). */
  readonly mode: "NONE" | "ASSUME_ROLE" | "ACCESS_KEY";
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
  /** Whether this stack manages the account's API Gateway logging setting (one stack per account and region). */
  readonly manageApiGatewayAccountLogging: boolean;
  /** Whether the API's stage gets the WAFv2 web ACL (`ApiWebAcl`). */
  readonly webAcl: boolean;
  /** Days between scheduled rotations of the API's Basic-auth password; undefined: no schedule. */
  readonly secretRotationDays?: number;
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
  TF_WORKSPACE: { context: "tfWorkspace", doc: "Terraform Cloud workspace of a single stack (with TF_CLOUD_ORGANIZATION)", default: "" },
  TF_CLOUD_HOSTNAME: { context: "tfCloudHostname", doc: "Terraform Enterprise host", default: "app.terraform.io" },
  TF_CLOUD_PROJECT: { context: "tfCloudProject", doc: "HCP Terraform project of the workspaces", default: "the organization's default project" },
  INGEST_TF_WORKSPACE_PREFIX: { context: "tfWorkspacePrefix", doc: "One workspace per environment, named <prefix>-<environment>", default: "" },
  INGEST_TF_WORKSPACE_TAGS: { context: "tfWorkspaceTags", doc: "One workspace per environment, selected by these tags plus the environment's name", default: "" },
  TF_STATE_BUCKET: { context: "stateBucket", doc: "S3 bucket for state (selects the S3 backend)", default: "" },
  TF_STATE_KEY: { context: "stateKey", doc: "S3 object key of the state; {stack} becomes the stack's name", default: "{stack}/terraform.tfstate" },
  TF_STATE_REGION: { context: "stateRegion", doc: "Region of the state bucket, one for every stack", default: "the region set beside the bucket (AWS_REGION)" },
  TF_STATE_LOCK_TABLE: { context: "stateLockTable", doc: "DynamoDB lock table, deprecated (the S3 lock file is always on)", default: "" },
  INGEST_PRODUCER_MODE: { context: "producerMode", doc: "NONE, ASSUME_ROLE or ACCESS_KEY (needs INGEST_PRODUCER_PGP_KEY)", default: "ASSUME_ROLE if INGEST_PARTNER_ACCOUNT_ID is set, else NONE" },
  INGEST_PARTNER_ACCOUNT_ID: { context: "partnerAccountId", doc: "Partner's AWS account (ASSUME_ROLE mode)", default: "" },
  INGEST_PARTNER_EXTERNAL_ID: { context: "partnerExternalId", doc: "ExternalId the partner must pass (ASSUME_ROLE mode)", default: "" },
  INGEST_PRODUCER_PGP_KEY: { context: "producerPgpKey", doc: "PGP public key (base64, or keybase:user) that encrypts the access key secret; required in ACCESS_KEY mode", default: "" },
  INGEST_AWS_PROVIDER_VERSION: { context: "awsProviderVersion", doc: "Version constraint of the hashicorp/aws provider", default: DEFAULT_AWS_PROVIDER_VERSION },
  INGEST_EMULATOR_ENDPOINT: { context: "emulatorEndpoint", doc: "Local AWS emulator URL (moto, LocalStack): every endpoint, test credentials, local state", default: "" },
  INGEST_REMOVAL_POLICY: { context: "removalPolicy", doc: "RETAIN (prevent_destroy, deletion protection) or DESTROY (force_destroy)", default: "DESTROY for an environment named dev, else RETAIN" },
  INGEST_APIGW_ACCOUNT_LOGGING: { context: "manageApiGatewayAccountLogging", doc: "true: this stack manages the account's API Gateway CloudWatch role setting (one stack per account and region); false: another does", default: "true" },
  INGEST_WEB_ACL: { context: "webAcl", doc: "true: a WAFv2 web ACL on the API stage (rate limit per client IP, AWS managed rules, bodies up to 64 KiB)", default: "false" },
  INGEST_SECRET_ROTATION_DAYS: { context: "secretRotationDays", doc: "Rotate the API's Basic-auth password every so many whole days, 1–1000, with the rotation function", default: "no scheduled rotation" },
  INGEST_STREAM_RETENTION_HOURS: { context: "streamRetentionHours", doc: "Stream retention in whole hours, 24–8760 (the consumer gives up on a record an hour earlier)", default: "24 for an environment named dev, else 168 (7 days)" },
  INGEST_STATE_DIR: { context: "stateDir", doc: "Absolute directory of the local state files and kept lock files", default: "the project root (../../.. from cdktf.out/stacks/<stack>)" },
} as const;
export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * One environment's view of the settings: each variable from the environment, then the
 * environment's own context entry, then the global context. It also says where a value came from,
 * so an error names what the user typed (`INGEST_NAME_PREFIX`, `context environments.prod.region`).
 */
export interface Settings {
  /** The value, or undefined when unset. Empty strings count as unset; a context object is JSON. */
  get(name: ConfigVariable): string | undefined;
  /** Where the value of `name` comes from: the variable's name or `context <path>`. */
  source(name: ConfigVariable): string;
  /** True unless the value comes from the environment's own context entry (shared by every stack). */
  isShared(name: ConfigVariable): boolean;
  /** The value every stack shares: the variable, else the global context (no environment's entry). */
  shared(name: ConfigVariable): string | undefined;
  /** How close to the run the value was set: 3 the variable, 2 the environment's entry, 1 the global context, 0 unset. */
  level(name: ConfigVariable): number;
}

function settingsOf(env: Env, context: ContextLookup, own: Record<string, unknown> = {}, environment?: string): Settings {
  const fromContext = (key: string): unknown => (key in own ? own[key] : context(key));
  const set = (value: unknown) => value !== undefined && value !== null && value !== "";
  const fromEnv = (name: ConfigVariable) => set(env[name]);
  return {
    get(name) {
      if (fromEnv(name)) return env[name];
      const value = fromContext(CONFIG_VARIABLES[name].context);
      if (!set(value)) return undefined;
      return typeof value === "string" ? value : JSON.stringify(value);
    },
    source(name) {
      const key = CONFIG_VARIABLES[name].context;
      if (fromEnv(name) || !set(fromContext(key))) return name;
      return key in own && environment !== undefined ? `context environments.${environment}.${key}` : `context ${key}`;
    },
    isShared(name) {
      return fromEnv(name) || !(CONFIG_VARIABLES[name].context in own);
    },
    shared(name) {
      return fromEnv(name) ? env[name] : settingsOf(env, context).get(name);
    },
    level(name) {
      const key = CONFIG_VARIABLES[name].context;
      return fromEnv(name) ? 3 : !set(fromContext(key)) ? 0 : key in own ? 2 : 1;
    },
  };
}

/** `<source>="<value>"`, or the source alone when unset: how an error names a setting. */
function named(settings: Settings, name: ConfigVariable): string {
  const value = settings.get(name);
  return value === undefined ? settings.source(name) : `${settings.source(name)}=${JSON.stringify(value)}`;
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

/** What an environment sets on top of the variables (see `resolveEnvironments`), already validated. */
interface EnvironmentOverrides {
  readonly environment: string;
  readonly stackName: string;
  readonly namePrefix: string;
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const NAME_PREFIX = /^[a-z][a-z0-9-]{0,23}$/;
const NAME_PREFIX_MAX = 24;

function validatedStackName(settings: Settings): string {
  const stackName = settings.get("INGEST_STACK_NAME") ?? "streaming-ingest";
  if (!STACK_NAME.test(stackName)) {
    throw new ConfigError(`${settings.source("INGEST_STACK_NAME")} must match [A-Za-z][A-Za-z0-9_-]{0,63}; got ${JSON.stringify(stackName)}`);
  }
  return stackName;
}

/** The name prefix as the user typed it, checked before any environment suffix is added. */
function validatedNamePrefix(settings: Settings): string {
  const namePrefix = settings.get("INGEST_NAME_PREFIX") ?? "ingest";
  if (!NAME_PREFIX.test(namePrefix)) {
    throw new ConfigError(`${settings.source("INGEST_NAME_PREFIX")} must match [a-z][a-z0-9-]{0,23}; got ${JSON.stringify(namePrefix)}`);
  }
  return namePrefix;
}

export function resolveConfig(env: Env, context: ContextLookup = () => undefined): AppConfig {
  return resolveSettings(settingsOf(env, context));
}

function resolveSettings(settings: Settings, overrides?: EnvironmentOverrides): AppConfig {
  const get = settings.get;
  const stackName = overrides?.stackName ?? validatedStackName(settings);
  const region = get("AWS_REGION") ?? "us-east-1";
  if (!/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(region)) {
    throw new ConfigError(`${settings.source("AWS_REGION")} must be an AWS region such as eu-west-1; got ${JSON.stringify(region)}`);
  }
  const namePrefix = overrides?.namePrefix ?? validatedNamePrefix(settings);
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
    backend: resolveBackend(settings, overrides?.environment),
    producer: resolveProducer(get),
    awsProviderVersion: resolveProviderVersion(get("INGEST_AWS_PROVIDER_VERSION"), settings.source("INGEST_AWS_PROVIDER_VERSION")),
    removalPolicy: resolveRemovalPolicy(get("INGEST_REMOVAL_POLICY"), settings.source("INGEST_REMOVAL_POLICY"), overrides?.environment),
    streamRetentionHours: resolveStreamRetentionHours(get("INGEST_STREAM_RETENTION_HOURS"), settings.source("INGEST_STREAM_RETENTION_HOURS"), overrides?.environment),
    manageApiGatewayAccountLogging: resolveBoolean(get("INGEST_APIGW_ACCOUNT_LOGGING"), settings.source("INGEST_APIGW_ACCOUNT_LOGGING"), true),
    webAcl: resolveBoolean(get("INGEST_WEB_ACL"), settings.source("INGEST_WEB_ACL"), false),
    secretRotationDays: resolveRotationDays(get("INGEST_SECRET_ROTATION_DAYS"), settings.source("INGEST_SECRET_ROTATION_DAYS")),
    emulatorEndpoint: resolveEmulatorEndpoint(get("INGEST_EMULATOR_ENDPOINT"), settings.source("INGEST_EMULATOR_ENDPOINT")),
  };
}

function resolveRemovalPolicy(raw: string | undefined, source: string, environment: string | undefined): "RETAIN" | "DESTROY" {
  if (raw === undefined) return environment === "dev" ? "DESTROY" : "RETAIN";
  if (raw !== "RETAIN" && raw !== "DESTROY") throw new ConfigError(`${source} must be RETAIN or DESTROY; got ${JSON.stringify(raw)}`);
  return raw;
}

/** 24 hours (Kinesis's minimum) for dev; 7 days elsewhere, so a broken consumer can be fixed before records expire. */
function resolveStreamRetentionHours(raw: string | undefined, source: string, environment: string | undefined): number {
  if (raw === undefined) return environment === "dev" ? 24 : 168;
  const hours = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || hours < 24 || hours > 8760) {
    throw new ConfigError(`${source} must be a whole number of hours from 24 to 8760; got ${JSON.stringify(raw)}`);
  }
  return hours;
}

function resolveBoolean(raw: string | undefined, source: string, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw !== "true" && raw !== "false") throw new ConfigError(`${source} must be true or false; got ${JSON.stringify(raw)}`);
  return raw === "true";
}

function resolveRotationDays(raw: string | undefined, source: string): number | undefined {
  if (raw === undefined) return undefined;
  const days = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || days < 1 || days > 1000) {
    throw new ConfigError(`${source} must be a whole number of days from 1 to 1000; got ${JSON.stringify(raw)}`);
  }
  return days;
}

function resolveProviderVersion(raw: string | undefined, source: string): string {
  if (raw === undefined) return DEFAULT_AWS_PROVIDER_VERSION;
  const constraint = /^\s*(=|!=|>=|<=|>|<|~>)?\s*\d+(\.\d+){0,2}(-[0-9A-Za-z.]+)?\s*$/;
  if (!raw.split(",").every((part) => constraint.test(part))) {
    throw new ConfigError(`${source} must be a Terraform version constraint such as ">= 5.100.0, < 7.0.0"; got ${JSON.stringify(raw)}`);
  }
  return raw.trim();
}

function resolveEmulatorEndpoint(raw: string | undefined, source: string): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(raw)) {
    throw new ConfigError(`${source} must be an http(s) URL such as http://127.0.0.1:5000; got ${JSON.stringify(raw)}`);
  }
  return raw;
}

const CLOUD_WORKSPACE_VARIABLES = ["TF_WORKSPACE", "INGEST_TF_WORKSPACE_PREFIX", "INGEST_TF_WORKSPACE_TAGS"] as const;
const CLOUD_VARIABLES = ["TF_CLOUD_ORGANIZATION", ...CLOUD_WORKSPACE_VARIABLES] as const;
const S3_VARIABLES = ["TF_STATE_BUCKET", "TF_STATE_KEY", "TF_STATE_REGION", "TF_STATE_LOCK_TABLE"] as const;

function resolveBackend(settings: Settings, environment: string | undefined): BackendConfig {
  const get = settings.get;
  const stateDir = get("INGEST_STATE_DIR");
  if (stateDir !== undefined && !stateDir.startsWith("/")) {
    throw new ConfigError(`${settings.source("INGEST_STATE_DIR")} must be an absolute directory; got ${JSON.stringify(stateDir)}`);
  }
  // Outside cdktf.out, which synth rewrites: INGEST_STATE_DIR, else the project root as a path
  // relative to the stack's folder, so the synthesized JSON is the same on every machine.
  const local: BackendConfig = { kind: "local", directory: stateDir };
  // Against an emulator the state is local: a remote backend would be real AWS or a real workspace.
  if (get("INGEST_EMULATOR_ENDPOINT") !== undefined) return local;
  // The backend set closest to the run wins: a variable over an environment's entry over the
  // global context, so TF_CLOUD_ORGANIZATION=… replaces the shipped prod entry's S3 settings.
  const level = (names: readonly ConfigVariable[]) => Math.max(0, ...names.map((n) => settings.level(n)));
  const top = Math.max(level(CLOUD_VARIABLES), level(S3_VARIABLES));
  const cloudVars = level(CLOUD_VARIABLES) === top ? CLOUD_VARIABLES.filter((n) => get(n) !== undefined) : [];
  const s3Vars = level(S3_VARIABLES) === top ? S3_VARIABLES.filter((n) => get(n) !== undefined) : [];
  if (cloudVars.length > 0 && s3Vars.length > 0) {
    throw new ConfigError(
      `Both a Terraform Cloud backend (${cloudVars.join(", ")}) and an S3 backend (${s3Vars.join(", ")}) are configured; unset one of them`,
    );
  }
  if (cloudVars.length > 0) return resolveCloudBackend(settings, environment);
  if (s3Vars.length > 0) return resolveS3Backend(settings, s3Vars);
  if (get("TF_CLOUD_HOSTNAME") !== undefined || get("TF_CLOUD_PROJECT") !== undefined) {
    throw new ConfigError(`${named(settings, get("TF_CLOUD_HOSTNAME") !== undefined ? "TF_CLOUD_HOSTNAME" : "TF_CLOUD_PROJECT")} is set but TF_CLOUD_ORGANIZATION is not; it applies to the Terraform Cloud backend only`);
  }
  return local;
}

/** One workspace per stack: TF_WORKSPACE (one stack), `<prefix>-<environment>`, or tags plus the environment's name. */
function resolveCloudBackend(settings: Settings, environment: string | undefined): BackendConfig {
  const get = settings.get;
  const organization = get("TF_CLOUD_ORGANIZATION");
  const workspaceVars = CLOUD_WORKSPACE_VARIABLES.filter((n) => get(n) !== undefined);
  if (organization === undefined) {
    throw new ConfigError(`${named(settings, workspaceVars[0])} is set but TF_CLOUD_ORGANIZATION is not; the Terraform Cloud backend needs both`);
  }
  if (workspaceVars.length !== 1) {
    throw new ConfigError(
      workspaceVars.length === 0
        ? `TF_CLOUD_ORGANIZATION is set but TF_WORKSPACE is not; the Terraform Cloud backend needs a workspace: TF_WORKSPACE (one stack), INGEST_TF_WORKSPACE_PREFIX or INGEST_TF_WORKSPACE_TAGS`
        : `${workspaceVars.map((n) => named(settings, n)).join(" and ")} both select workspaces; set one of them`,
    );
  }
  const common = { kind: "cloud" as const, organization, hostname: get("TF_CLOUD_HOSTNAME"), project: get("TF_CLOUD_PROJECT") };
  const prefix = get("INGEST_TF_WORKSPACE_PREFIX");
  if (prefix !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(prefix)) {
      throw new ConfigError(`${settings.source("INGEST_TF_WORKSPACE_PREFIX")} must match [A-Za-z0-9_-]{1,80} (a workspace name); got ${JSON.stringify(prefix)}`);
    }
    return { ...common, workspace: environment === undefined ? prefix : `${prefix}-${environment}` };
  }
  const tags = get("INGEST_TF_WORKSPACE_TAGS");
  if (tags !== undefined) {
    const list = tags.split(",").map((t) => t.trim()).filter(Boolean);
    const bad = list.find((t) => !/^[a-z0-9][a-z0-9:_-]*$/.test(t));
    if (list.length === 0 || bad !== undefined) {
      throw new ConfigError(`${settings.source("INGEST_TF_WORKSPACE_TAGS")} must be comma-separated tags of [a-z0-9:_-]; got ${JSON.stringify(tags)}`);
    }
    return { ...common, workspaceTags: environment === undefined ? list : [...list, environment] };
  }
  return { ...common, workspace: get("TF_WORKSPACE")! };
}

/**
 * One key per stack (`{stack}` in the key becomes the stack's name) and one region per bucket: a
 * bucket shared by every stack (TF_STATE_BUCKET or the global context) is in the global region,
 * not each environment's own.
 */
function resolveS3Backend(settings: Settings, s3Vars: readonly ConfigVariable[]): BackendConfig {
  const get = settings.get;
  const bucket = get("TF_STATE_BUCKET");
  if (bucket === undefined) {
    throw new ConfigError(`${s3Vars.join(", ")} ${s3Vars.length > 1 ? "are" : "is"} set but TF_STATE_BUCKET is not; the S3 backend needs a bucket`);
  }
  const bucketRegion = settings.isShared("TF_STATE_BUCKET") ? settings.shared("AWS_REGION") : get("AWS_REGION");
  return {
    kind: "s3",
    bucket,
    key: get("TF_STATE_KEY"),
    region: get("TF_STATE_REGION") ?? bucketRegion ?? "us-east-1",
    lockTable: get("TF_STATE_LOCK_TABLE"),
  };
}

function resolveProducer(get: (n: ConfigVariable) => string | undefined): ProducerConfig {
  const trustedAccountId = get("INGEST_PARTNER_ACCOUNT_ID");
  const externalId = get("INGEST_PARTNER_EXTERNAL_ID");
  const pgpKey = get("INGEST_PRODUCER_PGP_KEY");
  const mode = get("INGEST_PRODUCER_MODE") ?? (trustedAccountId !== undefined ? "ASSUME_ROLE" : "NONE");
  if (mode !== "NONE" && mode !== "ASSUME_ROLE" && mode !== "ACCESS_KEY") {
    throw new ConfigError(`INGEST_PRODUCER_MODE must be NONE, ASSUME_ROLE or ACCESS_KEY; got ${JSON.stringify(mode)}`);
  }
  if (mode === "NONE") {
    const set = [trustedAccountId && "INGEST_PARTNER_ACCOUNT_ID", externalId && "INGEST_PARTNER_EXTERNAL_ID", pgpKey && "INGEST_PRODUCER_PGP_KEY"].filter(Boolean);
    if (set.length > 0) throw new ConfigError(`${set.join(", ")} ${set.length > 1 ? "apply" : "applies"} to a producer identity, but INGEST_PRODUCER_MODE is NONE`);
    return { mode };
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
  if (pgpKey === undefined) {
    throw new ConfigError(
      "INGEST_PRODUCER_MODE=ACCESS_KEY needs INGEST_PRODUCER_PGP_KEY (a base64 PGP public key or keybase:user), or the secret access key would sit in plaintext in Terraform state; prefer ASSUME_ROLE (INGEST_PARTNER_ACCOUNT_ID and INGEST_PARTNER_EXTERNAL_ID), or NONE",
    );
  }
  return { mode, pgpKey };
}

/**
 * One configuration per environment. The environments are `INGEST_ENVIRONMENTS` (comma-separated,
 * each one a key of the context's `environments` when that exists) or the keys of the context's
 * `environments` object; each one's context entries override the global context, environment
 * variables still come first, and its stack name and name prefix get the environment as a suffix
 * unless it sets them. No environments: the single-stack setup. Two stacks never share a state
 * location, and stacks that share a state bucket share its region.
 */
export function resolveEnvironments(env: Env, context: ContextLookup = () => undefined): AppConfig[] {
  const perEnvironment = context("environments");
  if (perEnvironment !== undefined && (typeof perEnvironment !== "object" || perEnvironment === null || Array.isArray(perEnvironment))) {
    throw new ConfigError(`context environments must be an object of environment name -> settings; got ${JSON.stringify(perEnvironment)}`);
  }
  const settings = (perEnvironment ?? {}) as Record<string, Record<string, unknown>>;
  const names = environmentNames(env, perEnvironment === undefined ? undefined : Object.keys(settings));
  if (names.length === 0) return checkStateLocations([resolveConfig(env, context)]);
  if (names.length > 1 && env.TF_WORKSPACE) {
    throw new ConfigError(
      `TF_WORKSPACE=${JSON.stringify(env.TF_WORKSPACE)} names one Terraform Cloud workspace but ${names.length} environments (${names.join(", ")}) are configured; set INGEST_TF_WORKSPACE_PREFIX (one workspace <prefix>-<environment> each) or INGEST_TF_WORKSPACE_TAGS instead`,
    );
  }
  return checkStateLocations(
    names.map((name) => {
      const own = settings[name] ?? {};
      for (const [key, value] of Object.entries(own)) {
        if (value !== undefined && value !== null && typeof value !== "string" && key !== "tags") {
          throw new ConfigError(`context environments.${name}.${key} must be a string; got ${JSON.stringify(value)}`);
        }
      }
      const layered = settingsOf(env, context, own, name);
      const suffix = `-${name}`;
      const stackName = layered.isShared("INGEST_STACK_NAME") ? `${validatedStackName(layered)}${suffix}` : validatedStackName(layered);
      let namePrefix = validatedNamePrefix(layered);
      if (layered.isShared("INGEST_NAME_PREFIX")) {
        namePrefix += suffix;
        if (namePrefix.length > NAME_PREFIX_MAX) {
          throw new ConfigError(
            `${named(layered, "INGEST_NAME_PREFIX")} is too long for environment ${name}: with the ${suffix} suffix it has ${namePrefix.length} characters, at most ${NAME_PREFIX_MAX} (a prefix of at most ${NAME_PREFIX_MAX - suffix.length})`,
          );
        }
      }
      return resolveSettings(layered, { environment: name, stackName, namePrefix });
    }),
  );
}

/** The environments INGEST_ENVIRONMENTS names, each once and each one of `known` when the context lists them. */
function environmentNames(env: Env, known: string[] | undefined): string[] {
  const raw = env.INGEST_ENVIRONMENTS;
  const names = raw ? raw.split(",").map((n) => n.trim()).filter(Boolean) : (known ?? []);
  const seen = new Set<string>();
  for (const name of names) {
    const where = raw ? `INGEST_ENVIRONMENTS=${JSON.stringify(raw)}` : "context environments";
    if (!/^[a-z][a-z0-9]{0,9}$/.test(name)) throw new ConfigError(`${where}: environment names must match [a-z][a-z0-9]{0,9}; got ${JSON.stringify(name)}`);
    if (seen.has(name)) throw new ConfigError(`${where} names ${name} twice; name each environment once`);
    if (raw && known !== undefined && !known.includes(name)) {
      throw new ConfigError(`${where} names ${JSON.stringify(name)}, which is not an environment of context environments (${known.join(", ")})`);
    }
    seen.add(name);
  }
  return names;
}

/** Refuses two stacks with one state location, and one state bucket in two regions. */
function checkStateLocations(configs: AppConfig[]): AppConfig[] {
  const byLocation = new Map<string, string>();
  const bucketRegion = new Map<string, { stack: string; region: string }>();
  for (const { stackName, backend } of configs) {
    const location = stateLocation(stackName, backend);
    const other = byLocation.get(location);
    if (other !== undefined) {
      const fix =
        backend.kind === "s3"
          ? `put ${STACK_PLACEHOLDER} in TF_STATE_KEY (e.g. ${STACK_PLACEHOLDER}/terraform.tfstate) or set stateKey per environment`
          : "give each environment its own workspace (INGEST_TF_WORKSPACE_PREFIX)";
      throw new ConfigError(`stacks ${other} and ${stackName} would share one state, ${location}; ${fix}`);
    }
    byLocation.set(location, stackName);
    if (backend.kind === "s3") {
      const first = bucketRegion.get(backend.bucket);
      if (first !== undefined && first.region !== backend.region) {
        throw new ConfigError(
          `stacks ${first.stack} and ${stackName} share the state bucket ${backend.bucket} but give it the regions ${first.region} and ${backend.region}; set TF_STATE_REGION (context stateRegion) to the bucket's region`,
        );
      }
      bucketRegion.set(backend.bucket, { stack: stackName, region: backend.region });
    }
  }
  return configs;
}

/** Adds the configured state backend to a stack (the library's `stackBackend`). */
export function configureBackend(stack: TerraformStack, backend: BackendConfig): void {
  stackBackend(stack, backend);
}

/**
 * `INGEST_CONTEXT`: a JSON object of context keys that replace cdktf.json's for one run
 * (`INGEST_CONTEXT='{"environments":{"dev":{}}}' npm run synth`). cdktf 0.21's CLI has no
 * `--context` flag and overwrites CDKTF_CONTEXT_JSON with cdktf.json's context, so this variable of
 * our own is how a run changes the context. Each key replaces the whole value of that key.
 */
export function withContextOverride(env: Env, context: ContextLookup): ContextLookup {
  const raw = env.INGEST_CONTEXT;
  if (raw === undefined || raw.trim() === "") return context;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`INGEST_CONTEXT must be a JSON object of context keys; got ${JSON.stringify(raw)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`INGEST_CONTEXT must be a JSON object of context keys; got ${JSON.stringify(raw)}`);
  }
  const override = parsed as Record<string, unknown>;
  return (key) => (Object.prototype.hasOwnProperty.call(override, key) ? override[key] : context(key));
}
