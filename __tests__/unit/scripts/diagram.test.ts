import * as fs from "fs";
import * as path from "path";
import { buildApp } from "../../../main";
import { testApp } from "../../helpers/synth";
import { mermaidFromStack, README_END, README_START, withDiagram } from "../../../scripts/diagram";

const ROOT = path.resolve(__dirname, "..", "..", "..");

describe("architecture diagram", () => {
  it("folds helpers into their owner, so a role's policy becomes edges from the role", () => {
    const mermaid = mermaidFromStack({
      resource: {
        aws_iam_role: { R: { name: "reader", "//": { metadata: { path: "s/Reader/Resource" } } } },
        aws_iam_role_policy: { P: { role: "${aws_iam_role.R.id}", policy: '{"Resource":"${aws_kinesis_stream.S.arn}"}' } },
        aws_kinesis_stream: { S: { name: "events", "//": { metadata: { path: "s/Stream/Resource" } } } },
        aws_cloudwatch_metric_alarm: { A: { alarm_name: "lag" } },
      },
    });
    expect(mermaid).toBe(
      [
        "flowchart LR",
        '  subgraph Reader["Reader"]',
        '    aws_iam_role_R["IAM role<br/>reader"]',
        "  end",
        '  subgraph Stream["Stream"]',
        '    aws_kinesis_stream_S["Kinesis data stream<br/>events"]',
        "  end",
        "  aws_iam_role_R --> aws_kinesis_stream_S",
        "",
      ].join("\n"),
    );
  });

  it("in the README is the one generated from the current code (npm run diagram)", () => {
    const context = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).context;
    const app = testApp(context);
    buildApp(app, {});
    app.synth(); // a real synth keeps the construct paths (Testing.synth strips them)
    const stackFile = path.join(app.outdir, "stacks", "streaming-ingest-dev", "cdk.tf.json");
    const expected = mermaidFromStack(JSON.parse(fs.readFileSync(stackFile, "utf8")));
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme.indexOf(README_START)).toBeLessThan(400); // the README opens with it
    expect(withDiagram(readme, expected)).toBe(readme);
    expect(fs.readFileSync(path.join(ROOT, "docs", "architecture.mmd"), "utf8")).toBe(expected);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  it("refuses a README without the markers", () => {
    expect(() => withDiagram("# no markers", "flowchart LR\n")).toThrow(`README.md needs the markers ${README_START} and ${README_END}`);
  });
});
