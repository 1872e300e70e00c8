import { TerraformStack, TerraformVariable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AwsEnvironment, partitionOfRegion } from "../../../modules/core/aws-environment";
import { DataStream, IngestApi, SecureBucket } from "../../../modules";
import { cleanupSynthDirs, newStack, synth, testApp } from "../../helpers/synth";

afterAll(cleanupSynthDirs);

describe("AwsEnvironment", () => {
  it("takes region and partition from a literal provider region, with no data source", () => {
    const { stack } = newStack();
    const env = AwsEnvironment.of(stack);
    expect([env.region, env.partition]).toEqual(["eu-west-1", "aws"]);
    expect((synth(stack) as any).data).toBeUndefined();
  });

  it.each([
    ["cn-north-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
    ["us-iso-east-1", "aws-iso"],
    ["us-isob-east-1", "aws-iso-b"],
    ["eu-central-1", "aws"],
  ])("knows the partition of %s is %s", (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });

  it("falls back to one aws_region (its name, in 5.x and 6.x) and one aws_partition for a region known only at apply", () => {
    const stack = new TerraformStack(testApp(), "s");
    const region = new TerraformVariable(stack, "region", { type: "string" });
    new AwsProvider(stack, "aws", { region: region.stringValue });
    const env = AwsEnvironment.of(stack);
    expect(env.region).toMatch(/^\$\{TfToken/);
    AwsEnvironment.of(stack).partition;
    AwsEnvironment.of(stack).region;
    const json = synth(stack) as any;
    expect(Object.keys(json.data).sort()).toEqual(["aws_partition", "aws_region"]);
    expect(Object.keys(json.data.aws_region)).toHaveLength(1);
    expect(Object.keys(json.data.aws_partition)).toHaveLength(1);
  });

  it("holds at most one caller identity per stack however many constructs ask", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    new IngestApi(stack, "Api", { streams: [stream] });
    const logs = new SecureBucket(stack, "Logs", { accessLogTarget: true });
    new SecureBucket(stack, "Data", { accessLogsBucket: logs });
    const json = synth(stack) as any;
    expect(Object.keys(json.data)).toEqual(["aws_caller_identity"]);
    expect(Object.keys(json.data.aws_caller_identity)).toHaveLength(1);
  });
});
