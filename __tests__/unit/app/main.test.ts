import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { App, Testing } from "cdktf";
import { buildApp } from "../../../main";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Synthesized stacks of the app, by stack name. */
function synthApp(env: NodeJS.ProcessEnv = {}, context?: Record<string, unknown>): Record<string, any> {
  const app = Testing.app({ context });
  tmpDirs.push(app.outdir);
  return Object.fromEntries(buildApp(app as App, env).map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack))]));
}
const values = (json: any, type: string): any[] => Object.values(json.resource[type] ?? {});

describe("the app (main.ts)", () => {
  const single = () => synthApp()["streaming-ingest"];

  it("synthesizes the whole pipeline: API, stream, consumer into the table, archive to S3, partner access", () => {
    const json = single();
    expect(values(json, "aws_api_gateway_rest_api")).toEqual([expect.objectContaining({ name: "ingest-ingest" })]);
    expect(values(json, "aws_kinesis_stream")).toEqual([expect.objectContaining({ name: "ingest-events", encryption_type: "KMS" })]);
    expect(values(json, "aws_dynamodb_table")).toEqual([expect.objectContaining({ name: "ingest-events" })]);
    expect(values(json, "aws_lambda_function").map((f) => f.function_name).sort()).toEqual(["ingest-authorizer", "ingest-stream-consumer"]);
    expect(values(json, "aws_kinesis_firehose_delivery_stream")).toEqual([
      expect.objectContaining({ name: "ingest-events-to-s3", extended_s3_configuration: expect.objectContaining({ cloudwatch_logging_options: expect.objectContaining({ enabled: true }) }) }),
    ]);
    expect(values(json, "aws_iam_user")).toEqual([expect.objectContaining({ name: "ingest-partner-producer" })]);
    // 3 stream + 2 table + 3 consumer + 1 delivery-stream alarms
    expect(values(json, "aws_cloudwatch_metric_alarm")).toHaveLength(9);
    expect(values(json, "aws_cloudwatch_dashboard")).toEqual([expect.objectContaining({ dashboard_name: "ingest-pipeline" })]);
    expect(json.provider.aws[0]).toEqual({ region: "us-east-1", default_tags: [{ tags: { ManagedBy: "cdktf", Project: "streaming-ingest" } }] });
  });

  it("outputs the API URL, stream, table, bucket, failure queue and the partner's credentials (sensitive)", () => {
    const outputs = single().output;
    expect(Object.keys(outputs).sort()).toEqual([
      "Pipeline_api_credentials_secret_arn",
      "Pipeline_api_url",
      "Pipeline_archive_bucket",
      "Pipeline_failure_queue_url",
      "Pipeline_producer_access_key_id",
      "Pipeline_producer_secret_access_key",
      "Pipeline_stream_arn",
      "Pipeline_stream_name",
      "Pipeline_table_name",
    ]);
    expect(outputs.Pipeline_producer_secret_access_key.sensitive).toBe(true);
    expect(outputs.Pipeline_stream_name.value).toBe("ingest-events");
  });

  it("uses a partner role when the partner's account is configured", () => {
    const json = synthApp({ INGEST_PARTNER_ACCOUNT_ID: "444455556666", INGEST_PARTNER_EXTERNAL_ID: "ext-123" })["streaming-ingest"];
    expect(values(json, "aws_iam_role")).toContainEqual(expect.objectContaining({ name: "ingest-partner-producer" }));
    expect(json.resource.aws_iam_user).toBeUndefined();
    expect(json.output.Pipeline_producer_role_arn).toBeDefined();
  });

  it("synthesizes one stack per environment, with its own names, region, tags and backend", () => {
    const stacks = synthApp({}, {
      environments: { dev: {}, prod: { region: "eu-west-1", stateBucket: "acme-state", stateKey: "ingest/prod.tfstate" } },
    });
    expect(Object.keys(stacks)).toEqual(["streaming-ingest-dev", "streaming-ingest-prod"]);
    const [dev, prod] = [stacks["streaming-ingest-dev"], stacks["streaming-ingest-prod"]];
    expect(dev.terraform.backend).toEqual({ local: { path: "terraform.streaming-ingest-dev.tfstate" } });
    expect(prod.terraform.backend).toEqual({ s3: { bucket: "acme-state", key: "ingest/prod.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true } });
    expect(values(dev, "aws_kinesis_stream")[0].name).toBe("ingest-dev-events");
    expect(values(prod, "aws_kinesis_stream")[0].name).toBe("ingest-prod-events");
    expect(prod.provider.aws[0].region).toBe("eu-west-1");
    expect(prod.provider.aws[0].default_tags[0].tags.Environment).toBe("prod");
  });

  it("writes byte-identical output on every run and from any checkout location, with no machine path in it", () => {
    // A second checkout at another path: the project's files (tracked or new, not ignored), sharing node_modules.
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "checkout-"));
    tmpDirs.push(checkout);
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
    for (const file of files) {
      if (!fs.existsSync(path.join(ROOT, file))) continue;
      fs.mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, file), path.join(checkout, file));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(checkout, "node_modules"));

    const outdirs = [ROOT, ROOT, checkout].map((cwd) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
      tmpDirs.push(dir);
      execFileSync(process.execPath, [path.join(cwd, "scripts", "app.js")], {
        cwd,
        env: { PATH: process.env.PATH, CDKTF_OUTDIR: dir, CHECKPOINT_DISABLE: "1" },
      });
      return dir;
    });
    const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");
    const stacks = fs.readdirSync(path.join(outdirs[0], "stacks")).sort();
    expect(stacks).toEqual(["streaming-ingest-dev", "streaming-ingest-prod"]); // cdktf.json's environments
    for (const stack of stacks) {
      const file = path.join("stacks", stack, "cdk.tf.json");
      const [first, second, elsewhere] = outdirs.map((d) => read(d, file));
      expect(second).toBe(first);
      expect(elsewhere).toBe(first);
      for (const machinePath of [ROOT, checkout, os.tmpdir(), os.homedir()]) expect(first).not.toContain(machinePath);
      // The Lambda zips are the same bytes, so source_code_hash matches across machines.
      for (const fn of values(JSON.parse(first), "aws_lambda_function")) {
        const zips = outdirs.map((d) => fs.readFileSync(path.join(d, "stacks", stack, fn.filename)).toString("base64"));
        expect(zips[2]).toBe(zips[0]);
      }
    }
    expect(read(outdirs[2], "manifest.json")).toBe(read(outdirs[0], "manifest.json"));
  });
});
