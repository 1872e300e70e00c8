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
    // 3 stream + 2 table + 3 consumer alarms
    expect(Object.keys(json.resource.aws_cloudwatch_metric_alarm)).toHaveLength(8);
    expect(Object.values(json.resource.aws_dynamodb_table)).toEqual([expect.objectContaining({ name: "ingest-events" })]);
    const mapping: any = Object.values(json.resource.aws_lambda_event_source_mapping)[0];
    expect(mapping.event_source_arn).toMatch(/^\$\{aws_kinesis_stream\./);
    expect(Object.values(json.resource.aws_lambda_function)).toEqual([
      expect.objectContaining({ function_name: "ingest-stream-consumer", environment: { variables: expect.objectContaining({ TABLE_NAME: "ingest-events" }) } }),
    ]);
    expect(Object.values(json.resource.aws_iam_user)).toEqual([expect.objectContaining({ name: "ingest-partner-producer" })]);
    expect(json.provider.aws[0]).toEqual({
      region: "us-east-1",
      default_tags: [{ tags: { ManagedBy: "cdktf", Project: "streaming-ingest" } }],
    });
  });

  it("uses a partner role when the partner's account is configured", () => {
    const json = synthApp({ INGEST_PARTNER_ACCOUNT_ID: "444455556666", INGEST_PARTNER_EXTERNAL_ID: "ext-123" });
    expect(Object.values(json.resource.aws_iam_role)).toContainEqual(expect.objectContaining({ name: "ingest-partner-producer" }));
    expect(json.resource.aws_iam_user).toBeUndefined();
  });

  it("writes byte-identical output on every run and in every directory, with no machine path in it", () => {
    const outdirs = [0, 1].map(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `synth-${tmpDirs.length}-`));
      tmpDirs.push(dir);
      execFileSync(process.execPath, [path.join(ROOT, "scripts", "app.js")], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, CDKTF_OUTDIR: dir, CHECKPOINT_DISABLE: "1" },
      });
      return dir;
    });
    const read = (dir: string) => fs.readFileSync(path.join(dir, "stacks", "streaming-ingest", "cdk.tf.json"), "utf8");
    const [first, second] = outdirs.map(read);
    expect(second).toBe(first);
    for (const machinePath of [ROOT, os.tmpdir(), os.homedir()]) expect(first).not.toContain(machinePath);
    expect(fs.readFileSync(path.join(outdirs[1], "manifest.json"), "utf8")).toBe(
      fs.readFileSync(path.join(outdirs[0], "manifest.json"), "utf8"),
    );
  });
});
