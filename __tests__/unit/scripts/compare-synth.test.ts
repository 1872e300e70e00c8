import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The comparison the CDK Terrain lane (scripts/cdktn-lane.sh) runs between cdktf's and cdktn's output.
const { compareSynth } = require("../../../scripts/compare-synth.js") as {
  compareSynth: (first: string, second: string) => { stacks: string[]; resources: number; differences: string[] };
};

const STACK = {
  "//": { metadata: { backend: "local", version: "0.21.0" } },
  terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "6.25.0" } }, backend: { local: { path: "x.tfstate" } } },
  provider: { aws: [{ region: "eu-west-1" }] },
  resource: {
    aws_kinesis_stream: { Stream: { "//": { metadata: { path: "dev/Stream" } }, name: "events", retention_period: 24 } },
    aws_sqs_queue: { Parking: { name: "parking" } },
  },
  output: { stream_name: { value: "${aws_kinesis_stream.Stream.name}" } },
};

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "compare-synth-"))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A cdktf.out folder holding these stacks. */
function out(name: string, stacks: Record<string, unknown>): string {
  for (const [stack, json] of Object.entries(stacks)) {
    fs.mkdirSync(path.join(tmp, name, "stacks", stack), { recursive: true });
    fs.writeFileSync(path.join(tmp, name, "stacks", stack, "cdk.tf.json"), JSON.stringify(json));
  }
  return path.join(tmp, name);
}

const changed = (edit: (json: any) => void) => {
  const json = JSON.parse(JSON.stringify(STACK));
  edit(json);
  return json;
};

describe("compare-synth", () => {
  it("finds nothing when only metadata and the provider version pin differ", () => {
    const other = changed((j) => {
      j["//"].metadata = { backend: "local", version: "0.24.0", engine: "cdktn" };
      j.resource.aws_kinesis_stream.Stream["//"].metadata.path = "elsewhere";
      j.terraform.required_providers.aws.version = "6.66.0";
    });
    expect(compareSynth(out("a", { dev: STACK }), out("b", { dev: other }))).toEqual({ stacks: ["dev"], resources: 2, differences: [] });
  });

  it("names the resource and the argument values that differ", () => {
    const other = changed((j) => (j.resource.aws_kinesis_stream.Stream.retention_period = 168));
    const { differences } = compareSynth(out("a", { dev: STACK }), out("b", { dev: other }));
    expect(differences).toHaveLength(1);
    expect(differences[0]).toMatch(/^dev: resource\.aws_kinesis_stream\.Stream: differs\n.*"retention_period":24.*\n.*"retention_period":168/);
  });

  it("reports a resource, an output or a stack present on one side only, and a different provider source", () => {
    const other = changed((j) => {
      delete j.resource.aws_sqs_queue;
      j.output.extra = { value: "x" };
      j.terraform.required_providers.aws.source = "aws";
    });
    const { differences } = compareSynth(out("a", { dev: STACK, prod: STACK }), out("b", { dev: other }));
    expect(differences).toEqual([
      expect.stringMatching(/^dev: terraform: differs/),
      "dev: resource.aws_sqs_queue.Parking: only in the first",
      "dev: output.extra: only in the second",
      "prod: only in the first",
    ]);
  });
});
