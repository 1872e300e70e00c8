import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { App, Testing } from "cdktf";
import { buildApp } from "../main";

const ROOT = path.resolve(__dirname, "..");
const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function synthApp(env: NodeJS.ProcessEnv = {}): any {
  const app = Testing.app();
  tmpDirs.push(app.outdir);
  const stack = buildApp(app as App, env);
  return JSON.parse(Testing.synth(stack));
}

describe("the app (main.ts)", () => {
  it("synthesizes the stream, the partner's producer access, and the consumer into the table", () => {
    const json = synthApp();
    expect(Object.values(json.resource.aws_kinesis_stream)).toEqual([
      expect.objectContaining({ name: "ingest-events", encryption_type: "KMS" }),
    ]);
    // 3 stream + 2 table + 3 consumer + 1 delivery-stream alarms
    expect(Object.keys(json.resource.aws_cloudwatch_metric_alarm)).toHaveLength(9);
    expect(Object.values(json.resource.aws_dynamodb_table)).toEqual([expect.objectContaining({ name: "ingest-events" })]);
    const mapping: any = Object.values(json.resource.aws_lambda_event_source_mapping)[0];
    expect(mapping.event_source_arn).toMatch(/^\$\{aws_kinesis_stream\./);
    expect(Object.values(json.resource.aws_lambda_function)).toContainEqual(
      expect.objectContaining({ function_name: "ingest-stream-consumer", environment: { variables: expect.objectContaining({ TABLE_NAME: "ingest-events" }) } }),
    );
    expect(Object.values(json.resource.aws_iam_user)).toEqual([expect.objectContaining({ name: "ingest-partner-producer" })]);
    expect(json.provider.aws[0]).toEqual({
      region: "us-east-1",
      default_tags: [{ tags: { ManagedBy: "cdktf", Project: "streaming-ingest" } }],
    });
  });

  it("puts the Basic-auth ingest API in front of the stream, and outputs its URL", () => {
    const json = synthApp();
    expect(Object.values(json.resource.aws_api_gateway_rest_api)).toEqual([expect.objectContaining({ name: "ingest-ingest" })]);
    const apiPolicy: any = Object.entries(json.resource.aws_iam_role_policy).find(([k]) => k.includes("KinesisRole"))![1];
    expect(JSON.parse(apiPolicy.policy).Statement).toEqual([
      { Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords"], Resource: `\${aws_kinesis_stream.${Object.keys(json.resource.aws_kinesis_stream)[0]}.arn}` },
    ]);
    expect(json.output.IngestApi_url.value).toMatch(/invoke_url/);
    expect(Object.values(json.resource.aws_secretsmanager_secret)).toEqual([expect.objectContaining({ name: "ingest/ingest-api/basic-auth" })]);
  });

  it("delivers the stream to S3 as <stream>-to-s3, with delivery-error logging on", () => {
    const json = synthApp();
    const ds: any = Object.values(json.resource.aws_kinesis_firehose_delivery_stream)[0];
    expect(ds).toMatchObject({
      name: "ingest-events-to-s3",
      kinesis_source_configuration: { kinesis_stream_arn: `\${aws_kinesis_stream.${Object.keys(json.resource.aws_kinesis_stream)[0]}.arn}` },
      extended_s3_configuration: { cloudwatch_logging_options: { enabled: true }, prefix: "events/!{timestamp:yyyy/MM/dd/HH}/" },
    });
    expect(Object.values(json.resource.aws_s3_bucket_logging)).toHaveLength(1); // the archive's access logs are on
  });

  it("uses a partner role when the partner's account is configured", () => {
    const json = synthApp({ INGEST_PARTNER_ACCOUNT_ID: "444455556666", INGEST_PARTNER_EXTERNAL_ID: "ext-123" });
    expect(Object.values(json.resource.aws_iam_role)).toContainEqual(expect.objectContaining({ name: "ingest-partner-producer" }));
    expect(json.resource.aws_iam_user).toBeUndefined();
  });

  it("writes byte-identical output on every run and from any checkout location, with no machine path in it", () => {
    // A second checkout at another path: the project's files (tracked or new, not ignored), sharing node_modules.
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "checkout-"));
    tmpDirs.push(checkout);
    const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
    for (const file of tracked) {
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
    const stackFile = path.join("stacks", "streaming-ingest", "cdk.tf.json");
    const [first, second, elsewhere] = outdirs.map((d) => read(d, stackFile));
    expect(second).toBe(first);
    expect(elsewhere).toBe(first);
    for (const machinePath of [ROOT, checkout, os.tmpdir(), os.homedir()]) expect(first).not.toContain(machinePath);
    expect(read(outdirs[2], "manifest.json")).toBe(read(outdirs[0], "manifest.json"));
    // The Lambda zip itself is the same bytes, so source_code_hash matches across machines.
    const zips = outdirs.map((d) => {
      const fn: any = Object.values(JSON.parse(read(d, stackFile)).resource.aws_lambda_function)[0];
      return fs.readFileSync(path.join(d, "stacks", "streaming-ingest", fn.filename)).toString("base64");
    });
    expect(zips[2]).toBe(zips[0]);
  });
});
