import { Testing, TerraformStack } from "cdktf";
import { configureBackend, resolveConfig, parseTags, Env } from "../../../app/config";
import { newStack } from "../../helpers/synth";

const backendOf = (env: Env) => resolveConfig(env).backend;

function synthBackend(env: Env): any {
  const { stack } = newStack("streaming-ingest");
  configureBackend(stack as TerraformStack, backendOf(env));
  return JSON.parse(Testing.synth(stack)).terraform;
}

describe("configuration", () => {
  it("defaults to us-east-1, the prefix 'ingest', project tags and local state in the project root", () => {
    expect(resolveConfig({})).toEqual({
      stackName: "streaming-ingest",
      region: "us-east-1",
      namePrefix: "ingest",
      tags: { ManagedBy: "cdktf", Project: "streaming-ingest" },
      backend: { kind: "local", directory: undefined },
      producer: { mode: "NONE" },
      awsProviderVersion: ">= 5.100.0, < 7.0.0",
      removalPolicy: "RETAIN",
      streamRetentionHours: 168,
      manageApiGatewayAccountLogging: true,
      webAcl: false,
      secretRotationDays: undefined,
      emulatorEndpoint: undefined,
    });
  });

  it("reads environment variables before cdktf context", () => {
    const context: Record<string, unknown> = { region: "eu-central-1", namePrefix: "ctx", tags: { Team: "data" } };
    const fromContext = resolveConfig({}, (k) => context[k]);
    expect(fromContext).toMatchObject({ region: "eu-central-1", namePrefix: "ctx", tags: { Team: "data" } });
    const fromEnv = resolveConfig({ AWS_REGION: "eu-west-1", INGEST_NAME_PREFIX: "env" }, (k) => context[k]);
    expect(fromEnv).toMatchObject({ region: "eu-west-1", namePrefix: "env" });
  });

  it("treats empty environment variables as unset", () => {
    expect(resolveConfig({ AWS_REGION: "", TF_STATE_BUCKET: "" })).toMatchObject({ region: "us-east-1", backend: { kind: "local" } });
  });

  it("parses tags as JSON or k=v pairs, user tags overriding the defaults", () => {
    expect(parseTags('{"Team":"data","CostCenter":"42"}')).toEqual({ Team: "data", CostCenter: "42" });
    expect(parseTags("Team=data, CostCenter=42")).toEqual({ Team: "data", CostCenter: "42" });
    expect(resolveConfig({ INGEST_TAGS: "Project=other" }).tags).toEqual({ ManagedBy: "cdktf", Project: "other" });
  });

  it.each([
    ["INGEST_TAGS", { INGEST_TAGS: "{bad" }, "INGEST_TAGS is not valid JSON: {bad"],
    ["INGEST_TAGS", { INGEST_TAGS: '{"n":1}' }, 'INGEST_TAGS: tag n must be a string; got 1'],
    ["INGEST_TAGS", { INGEST_TAGS: "novalue" }, 'INGEST_TAGS must be k=v pairs separated by commas; got "novalue"'],
    ["AWS_REGION", { AWS_REGION: "mars" }, 'AWS_REGION must be an AWS region such as eu-west-1; got "mars"'],
    ["INGEST_NAME_PREFIX", { INGEST_NAME_PREFIX: "Bad_Prefix" }, 'INGEST_NAME_PREFIX must match [a-z][a-z0-9-]{0,23}; got "Bad_Prefix"'],
    ["INGEST_STACK_NAME", { INGEST_STACK_NAME: "1stack" }, 'INGEST_STACK_NAME must match [A-Za-z][A-Za-z0-9_-]{0,63}; got "1stack"'],
  ])("rejects a bad %s with a message naming it", (_name, env, message) => {
    expect(() => resolveConfig(env)).toThrow(message);
  });
});

describe("state backend selection", () => {
  it("is local by default, in the project root as a path relative to the stack's folder (cdktf's default is absolute, inside cdktf.out)", () => {
    expect(synthBackend({}).backend).toEqual({ local: { path: "../../../terraform.streaming-ingest.tfstate" } });
  });

  it("is a Terraform Cloud named workspace when TF_CLOUD_ORGANIZATION and TF_WORKSPACE are set", () => {
    const tf = synthBackend({ TF_CLOUD_ORGANIZATION: "acme", TF_WORKSPACE: "ingest-prod" });
    expect(tf.cloud).toEqual({ organization: "acme", workspaces: { name: "ingest-prod" } });
    expect(tf.backend).toBeUndefined();
  });

  it("passes a Terraform Enterprise hostname", () => {
    const tf = synthBackend({ TF_CLOUD_ORGANIZATION: "acme", TF_WORKSPACE: "w", TF_CLOUD_HOSTNAME: "tfe.acme.internal" });
    expect(tf.cloud.hostname).toBe("tfe.acme.internal");
  });

  it("is S3, encrypted, with S3-native locking when TF_STATE_BUCKET is set", () => {
    const tf = synthBackend({ TF_STATE_BUCKET: "acme-state", AWS_REGION: "eu-west-1" });
    expect(tf.backend).toEqual({
      s3: { bucket: "acme-state", key: "streaming-ingest/terraform.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true },
    });
  });

  it("adds a DynamoDB lock table only when TF_STATE_LOCK_TABLE asks, beside the S3 lock file (Terraform's migration path)", () => {
    const tf = synthBackend({
      TF_STATE_BUCKET: "acme-state",
      TF_STATE_KEY: "ingest/prod.tfstate",
      TF_STATE_REGION: "us-west-2",
      TF_STATE_LOCK_TABLE: "tf-locks",
    });
    expect(tf.backend).toEqual({
      s3: { bucket: "acme-state", key: "ingest/prod.tfstate", region: "us-west-2", encrypt: true, dynamodb_table: "tf-locks", use_lockfile: true },
    });
  });

  it.each([
    [
      "Terraform Cloud and S3 together",
      { TF_CLOUD_ORGANIZATION: "acme", TF_WORKSPACE: "w", TF_STATE_BUCKET: "b" },
      "Both a Terraform Cloud backend (TF_CLOUD_ORGANIZATION, TF_WORKSPACE) and an S3 backend (TF_STATE_BUCKET) are configured; unset one of them",
    ],
    ["an organization without a workspace", { TF_CLOUD_ORGANIZATION: "acme" }, "TF_CLOUD_ORGANIZATION is set but TF_WORKSPACE is not"],
    ["a workspace without an organization", { TF_WORKSPACE: "w" }, 'TF_WORKSPACE="w" is set but TF_CLOUD_ORGANIZATION is not'],
    ["a workspace prefix without an organization", { INGEST_TF_WORKSPACE_PREFIX: "ingest" }, 'INGEST_TF_WORKSPACE_PREFIX="ingest" is set but TF_CLOUD_ORGANIZATION is not'],
    ["two ways to pick workspaces", { TF_CLOUD_ORGANIZATION: "acme", TF_WORKSPACE: "w", INGEST_TF_WORKSPACE_TAGS: "ingest" }, 'TF_WORKSPACE="w" and INGEST_TF_WORKSPACE_TAGS="ingest" both select workspaces; set one of them'],
    ["a workspace prefix that is no workspace name", { TF_CLOUD_ORGANIZATION: "acme", INGEST_TF_WORKSPACE_PREFIX: "my ws" }, 'INGEST_TF_WORKSPACE_PREFIX must match [A-Za-z0-9_-]{1,80} (a workspace name); got "my ws"'],
    ["a bad workspace tag", { TF_CLOUD_ORGANIZATION: "acme", INGEST_TF_WORKSPACE_TAGS: "Ingest App" }, 'INGEST_TF_WORKSPACE_TAGS must be comma-separated tags of [a-z0-9:_-]; got "Ingest App"'],
    ["S3 settings without a bucket", { TF_STATE_KEY: "k", TF_STATE_LOCK_TABLE: "t" }, "TF_STATE_KEY, TF_STATE_LOCK_TABLE are set but TF_STATE_BUCKET is not"],
    ["a hostname without Terraform Cloud", { TF_CLOUD_HOSTNAME: "h" }, 'TF_CLOUD_HOSTNAME="h" is set but TF_CLOUD_ORGANIZATION is not'],
  ])("rejects %s, naming the variables", (_label, env, message) => {
    expect(() => resolveConfig(env)).toThrow(message);
  });
});

describe("producer configuration", () => {
  it("creates no producer identity by default, and an access key only with a PGP key", () => {
    expect(resolveConfig({}).producer).toEqual({ mode: "NONE" });
    expect(resolveConfig({ INGEST_PRODUCER_MODE: "ACCESS_KEY", INGEST_PRODUCER_PGP_KEY: "keybase:p" }).producer).toEqual({ mode: "ACCESS_KEY", pgpKey: "keybase:p" });
  });

  it("selects ASSUME_ROLE when a partner account is configured", () => {
    expect(resolveConfig({ INGEST_PARTNER_ACCOUNT_ID: "444455556666", INGEST_PARTNER_EXTERNAL_ID: "x-1" }).producer).toEqual({
      mode: "ASSUME_ROLE",
      trustedAccountId: "444455556666",
      externalId: "x-1",
    });
  });

  it.each([
    ["ASSUME_ROLE without the partner", { INGEST_PRODUCER_MODE: "ASSUME_ROLE" }, "INGEST_PRODUCER_MODE=ASSUME_ROLE needs INGEST_PARTNER_ACCOUNT_ID and INGEST_PARTNER_EXTERNAL_ID"],
    ["a partner account without ExternalId", { INGEST_PARTNER_ACCOUNT_ID: "444455556666" }, "needs INGEST_PARTNER_ACCOUNT_ID and INGEST_PARTNER_EXTERNAL_ID"],
    ["ACCESS_KEY with partner settings", { INGEST_PRODUCER_MODE: "ACCESS_KEY", INGEST_PARTNER_EXTERNAL_ID: "x" }, "apply to ASSUME_ROLE mode, but INGEST_PRODUCER_MODE is ACCESS_KEY"],
    ["a PGP key in role mode", { INGEST_PARTNER_ACCOUNT_ID: "444455556666", INGEST_PARTNER_EXTERNAL_ID: "xx", INGEST_PRODUCER_PGP_KEY: "k" }, "INGEST_PRODUCER_PGP_KEY applies to ACCESS_KEY mode"],
    ["an unknown mode", { INGEST_PRODUCER_MODE: "SAML" }, 'INGEST_PRODUCER_MODE must be NONE, ASSUME_ROLE or ACCESS_KEY; got "SAML"'],
    [
      "ACCESS_KEY without a PGP key",
      { INGEST_PRODUCER_MODE: "ACCESS_KEY" },
      "INGEST_PRODUCER_MODE=ACCESS_KEY needs INGEST_PRODUCER_PGP_KEY (a base64 PGP public key or keybase:user), or the secret access key would sit in plaintext in Terraform state; prefer ASSUME_ROLE (INGEST_PARTNER_ACCOUNT_ID and INGEST_PARTNER_EXTERNAL_ID), or NONE",
    ],
    ["a PGP key with no producer", { INGEST_PRODUCER_PGP_KEY: "k" }, "INGEST_PRODUCER_PGP_KEY applies to a producer identity, but INGEST_PRODUCER_MODE is NONE"],
    ["a logging flag that is not a boolean", { INGEST_APIGW_ACCOUNT_LOGGING: "yes" }, 'INGEST_APIGW_ACCOUNT_LOGGING must be true or false; got "yes"'],
    ["a rotation of 0 days", { INGEST_SECRET_ROTATION_DAYS: "0" }, 'INGEST_SECRET_ROTATION_DAYS must be a whole number of days from 1 to 1000; got "0"'],
    ["a rotation of 1.5 days", { INGEST_SECRET_ROTATION_DAYS: "1.5" }, 'INGEST_SECRET_ROTATION_DAYS must be a whole number of days from 1 to 1000; got "1.5"'],
  ])("rejects %s", (_label, env, message) => {
    expect(() => resolveConfig(env)).toThrow(message);
  });
});

describe("environments", () => {
  const { resolveEnvironments } = require("../../../app/config");
  const ctx = (c: Record<string, unknown>) => (k: string) => c[k];

  it("is one stack when no environment is configured", () => {
    expect(resolveEnvironments({}).map((c: any) => c.stackName)).toEqual(["streaming-ingest"]);
  });

  it("suffixes stack names and prefixes with the environment, and tags it", () => {
    const configs = resolveEnvironments({}, ctx({ environments: { dev: {}, prod: { namePrefix: "acme" } } }));
    expect(configs.map((c: any) => [c.environment, c.stackName, c.namePrefix, c.tags.Environment])).toEqual([
      ["dev", "streaming-ingest-dev", "ingest-dev", "dev"],
      ["prod", "streaming-ingest-prod", "acme", "prod"],
    ]);
  });

  it("keeps the stream 7 days outside dev (24 h in dev) unless told otherwise, and refuses a retention Kinesis does not take", () => {
    const configs = resolveEnvironments({}, ctx({ environments: { dev: {}, prod: {}, stage: { streamRetentionHours: "48" } } }));
    expect(configs.map((c: any) => [c.environment, c.streamRetentionHours])).toEqual([["dev", 24], ["prod", 168], ["stage", 48]]);
    expect(() => resolveEnvironments({ INGEST_STREAM_RETENTION_HOURS: "12" }, ctx({ environments: { prod: {} } }))).toThrow(
      'INGEST_STREAM_RETENTION_HOURS must be a whole number of hours from 24 to 8760; got "12"',
    );
  });

  it("takes the environments from INGEST_ENVIRONMENTS, and each one's settings from the context", () => {
    const configs = resolveEnvironments({ INGEST_ENVIRONMENTS: "prod" }, ctx({ environments: { dev: {}, prod: { tfCloudOrganization: "acme", tfWorkspace: "ingest-prod" } } }));
    expect(configs).toHaveLength(1);
    expect(configs[0].backend).toEqual({ kind: "cloud", organization: "acme", workspace: "ingest-prod", hostname: undefined });
  });

  it.each([
    ["one TF_WORKSPACE for two environments", { TF_WORKSPACE: "w", TF_CLOUD_ORGANIZATION: "o" }, { environments: { dev: {}, prod: {} } }, 'TF_WORKSPACE="w" names one Terraform Cloud workspace but 2 environments (dev, prod) are configured; set INGEST_TF_WORKSPACE_PREFIX'],
    ["a bad environment name", { INGEST_ENVIRONMENTS: "Prod!" }, {}, 'INGEST_ENVIRONMENTS="Prod!": environment names must match [a-z][a-z0-9]{0,9}; got "Prod!"'],
    ["environments that are not an object", {}, { environments: ["dev"] }, 'context environments must be an object of environment name -> settings; got ["dev"]'],
    ["an environment the context does not list (a typo)", { INGEST_ENVIRONMENTS: "dev,prdo" }, { environments: { dev: {}, prod: {} } }, 'INGEST_ENVIRONMENTS="dev,prdo" names "prdo", which is not an environment of context environments (dev, prod)'],
    ["an environment named twice", { INGEST_ENVIRONMENTS: "dev,dev" }, { environments: { dev: {}, prod: {} } }, 'INGEST_ENVIRONMENTS="dev,dev" names dev twice; name each environment once'],
    ["an environment named twice with no context list", { INGEST_ENVIRONMENTS: "qa, qa" }, {}, 'INGEST_ENVIRONMENTS="qa, qa" names qa twice'],
    ["a bad prefix, named as typed (before the -dev suffix)", { INGEST_NAME_PREFIX: "Acme" }, { environments: { dev: {} } }, 'INGEST_NAME_PREFIX must match [a-z][a-z0-9-]{0,23}; got "Acme"'],
    ["a bad prefix in an environment's entry, naming its context key", {}, { environments: { prod: { namePrefix: "Acme_Prod" } } }, 'context environments.prod.namePrefix must match [a-z][a-z0-9-]{0,23}; got "Acme_Prod"'],
    ["a global context prefix too long once suffixed", {}, { namePrefix: "a-very-long-team-prefix", environments: { prod: {} } }, 'context namePrefix="a-very-long-team-prefix" is too long for environment prod: with the -prod suffix it has 28 characters, at most 24 (a prefix of at most 19)'],
    ["a bad region in an environment's entry", {}, { environments: { prod: { region: "europe" } } }, 'context environments.prod.region must be an AWS region such as eu-west-1; got "europe"'],
  ])("rejects %s", (_label, env, context, message) => {
    expect(() => resolveEnvironments(env, ctx(context))).toThrow(message);
  });
});

describe("errors name the context key a value came from", () => {
  const ctx = (c: Record<string, unknown>) => (k: string) => c[k];
  const { resolveEnvironments } = require("../../../app/config");

  it.each([
    [{ removalPolicy: "KEEP" }, 'context removalPolicy must be RETAIN or DESTROY; got "KEEP"'],
    [{ environments: { prod: { removalPolicy: "KEEP" } } }, 'context environments.prod.removalPolicy must be RETAIN or DESTROY; got "KEEP"'],
    [{ environments: { prod: { awsProviderVersion: "latest" } } }, 'context environments.prod.awsProviderVersion must be a Terraform version constraint'],
    [{ environments: { dev: { emulatorEndpoint: "localhost" } } }, 'context environments.dev.emulatorEndpoint must be an http(s) URL'],
    [{ environments: { prod: { region: 5 } } }, "context environments.prod.region must be a string; got 5"],
  ])("%j", (context, message) => {
    expect(() => resolveEnvironments({}, ctx(context))).toThrow(message);
  });
});
