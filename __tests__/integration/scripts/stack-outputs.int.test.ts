import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readTerraformOutputs, resolveResources, parseCli } from "../../../scripts/parking/resources";

describe("the tools' resources from a stack's terraform output (real terraform)", () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-outputs-"));
    const stackDir = path.join(root, "cdktf.out", "stacks", "dev");
    fs.mkdirSync(stackDir, { recursive: true });
    const outputs = {
      Pipeline_parking_queue_url: { value: "https://sqs.eu-west-1.amazonaws.com/123456789012/parking", type: "string" },
      Pipeline_failure_bucket: { value: "ingest-failures", type: "string" },
      Pipeline_stream_name: { value: "ingest-events", type: "string" },
    };
    fs.writeFileSync(path.join(stackDir, "terraform.tfstate"), JSON.stringify({ version: 4, terraform_version: "1.11.0", serial: 1, lineage: "l", outputs, resources: [], check_results: null }));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("reads the pipeline's outputs, a flag still winning over its output", () => {
    const cli = parseCli(["dev", "--stream", "other-stream"]);
    expect(resolveResources(["queueUrl", "bucket", "stream"], cli, () => readTerraformOutputs(root, "dev"))).toEqual({
      queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/parking",
      bucket: "ingest-failures",
      stream: "other-stream",
    });
  });

  it("names the missing stack folder, and the missing output with its flag", () => {
    expect(() => readTerraformOutputs(root, "prod")).toThrow(`no synthesized stack "prod" in ${path.join(root, "cdktf.out", "stacks", "prod")}`);
    expect(() => resolveResources(["failureQueueUrl"], parseCli(["dev"]), () => readTerraformOutputs(root, "dev"))).toThrow('stack "dev" has no output Pipeline_failure_queue_url: pass --failure-queue-url');
  });
});
