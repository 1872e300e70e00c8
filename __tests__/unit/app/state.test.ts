import * as fs from "fs";
import * as path from "path";
import { synthBackends } from "../../helpers/app";

/**
 * Where each stack of the app keeps its state, synthesized from the shipped cdktf.json: never in
 * cdktf.out (synth rewrites it), never one location for two stacks, one region per state bucket.
 */
const ROOT = path.join(__dirname, "..", "..", "..");
const CONTEXT = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).context;
const DEV = "streaming-ingest-dev";
const PROD = "streaming-ingest-prod";

const backends = (env: NodeJS.ProcessEnv, context: Record<string, unknown> = CONTEXT) =>
  Object.fromEntries(Object.entries(synthBackends(env, context)).map(([name, terraform]) => [name, terraform.backend ?? { cloud: terraform.cloud }]));

describe("local state", () => {
  it("resolves, from the folder Terraform runs in (cdktf.out/stacks/<stack>), to the project root, outside cdktf.out", () => {
    const { local } = backends({})[DEV];
    const stackDir = path.join(ROOT, "cdktf.out", "stacks", DEV);
    const stateFile = path.resolve(stackDir, local.path);
    expect(stateFile).toBe(path.join(ROOT, `terraform.${DEV}.tfstate`));
    expect(path.relative(path.join(ROOT, "cdktf.out"), stateFile).startsWith("..")).toBe(true);
  });

  it("is the same relative path on every machine (no absolute path in the JSON)", () => {
    expect(backends({})[DEV].local.path).toBe(`../../../terraform.${DEV}.tfstate`);
  });

  it("goes to INGEST_STATE_DIR when set (the deploy tier's temp folder)", () => {
    expect(backends({ INGEST_STATE_DIR: "/tmp/states/" })[DEV].local.path).toBe(`/tmp/states/terraform.${DEV}.tfstate`);
  });
});

describe("S3 state shared by the environments", () => {
  it("as shipped: prod's own bucket, key and region; dev local", () => {
    const stacks = backends({});
    expect(stacks[PROD]).toEqual({
      s3: { bucket: "acme-terraform-state", key: "streaming-ingest/prod.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true },
    });
    expect(Object.keys(stacks[DEV])).toEqual(["local"]);
  });

  it("one global bucket: each stack its own key by default, and the bucket's one region (not prod's eu-west-1)", () => {
    const stacks = backends({ TF_STATE_BUCKET: "team-state" }, { environments: { dev: {}, prod: { region: "eu-west-1" } } });
    expect(stacks[DEV].s3).toMatchObject({ bucket: "team-state", key: `${DEV}/terraform.tfstate`, region: "us-east-1" });
    expect(stacks[PROD].s3).toMatchObject({ bucket: "team-state", key: `${PROD}/terraform.tfstate`, region: "us-east-1" });
  });

  it("one global TF_STATE_KEY with {stack}: expanded per stack, one region (TF_STATE_REGION)", () => {
    const stacks = backends({ TF_STATE_BUCKET: "team-state", TF_STATE_KEY: "ingest/{stack}.tfstate", TF_STATE_REGION: "eu-central-1" });
    expect([stacks[DEV].s3.key, stacks[PROD].s3.key]).toEqual([`ingest/${DEV}.tfstate`, `ingest/${PROD}.tfstate`]);
    expect([stacks[DEV].s3.region, stacks[PROD].s3.region]).toEqual(["eu-central-1", "eu-central-1"]);
  });

  it("one global TF_STATE_KEY without {stack}: refused, naming both stacks and the shared location", () => {
    expect(() => backends({ TF_STATE_BUCKET: "b", TF_STATE_KEY: "shared.tfstate" })).toThrow(
      `stacks ${DEV} and ${PROD} would share one state, s3://b/shared.tfstate; put {stack} in TF_STATE_KEY (e.g. {stack}/terraform.tfstate) or set stateKey per environment`,
    );
  });

  it("one bucket named by each environment in two regions: refused, asking for the bucket's region", () => {
    const context = { environments: { dev: { stateBucket: "b" }, prod: { stateBucket: "b", region: "eu-west-1" } } };
    expect(() => backends({}, context)).toThrow(
      `stacks ${DEV} and ${PROD} share the state bucket b but give it the regions us-east-1 and eu-west-1; set TF_STATE_REGION (context stateRegion) to the bucket's region`,
    );
    expect(backends({ TF_STATE_REGION: "eu-west-1" }, context)[DEV].s3.region).toBe("eu-west-1");
  });
});

describe("Terraform Cloud, one workspace per environment", () => {
  it("by name pattern: <prefix>-<environment>", () => {
    const stacks = backends({ TF_CLOUD_ORGANIZATION: "acme", INGEST_TF_WORKSPACE_PREFIX: "streaming-ingest" });
    expect(stacks[DEV]).toEqual({ cloud: { organization: "acme", workspaces: { name: "streaming-ingest-dev" } } });
    expect(stacks[PROD]).toEqual({ cloud: { organization: "acme", workspaces: { name: "streaming-ingest-prod" } } });
  });

  it("by tags: the given tags plus the environment's name, in a project", () => {
    const stacks = backends({ TF_CLOUD_ORGANIZATION: "acme", INGEST_TF_WORKSPACE_TAGS: "streaming-ingest", TF_CLOUD_PROJECT: "data" });
    expect(stacks[DEV].cloud.workspaces).toEqual({ tags: ["streaming-ingest", "dev"], project: "data" });
    expect(stacks[PROD].cloud.workspaces).toEqual({ tags: ["streaming-ingest", "prod"], project: "data" });
  });

  it("one workspace name in the global context for two environments: refused as one shared state", () => {
    expect(() => backends({}, { tfCloudOrganization: "acme", tfWorkspace: "w", environments: { dev: {}, prod: {} } })).toThrow(
      `stacks ${DEV} and ${PROD} would share one state, cloud:app.terraform.io/acme//w; give each environment its own workspace (INGEST_TF_WORKSPACE_PREFIX)`,
    );
  });
});
