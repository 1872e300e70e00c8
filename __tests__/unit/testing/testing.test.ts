import { Testing } from "cdktf";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { DataStream, Role, Trust } from "../../../modules";
import { assertGranted, findResource, grantedStatements, isGranted, matchersLoaded, setupJest } from "../../../modules/testing";
import { newStack } from "../../helpers/synth";

/** A stack with a stream and a role that may write to it: what a user's first test builds. */
function writerStack() {
  const { stack } = newStack("my-stack");
  const stream = new DataStream(stack, "Events", { streamName: "events", alarms: false });
  const writer = new Role(stack, "Writer", { assumedBy: Trust.service("lambda.amazonaws.com") });
  stream.grantWrite(writer);
  return { stack, stream, writer };
}

describe("cdktf-streaming-ingest/testing: matcher setup", () => {
  it("has loaded cdktf's matchers (this tier loads them in __tests__/setup.ts; loading again changes nothing)", () => {
    expect(matchersLoaded()).toBe(true);
    setupJest();
    expect(matchersLoaded()).toBe(true);
  });

  it("says where the setup belongs when there is no global expect yet (jest's setupFiles)", () => {
    const global = globalThis as { expect?: unknown };
    const saved = global.expect;
    let error: unknown;
    delete global.expect;
    try {
      setupJest();
    } catch (e) {
      error = e;
    } finally {
      global.expect = saved;
    }
    expect((error as Error).message).toBe(
      'cdktf-streaming-ingest/testing: there is no global expect to add cdktf\'s matchers to. List "cdktf-streaming-ingest/testing" in jest\'s setupFilesAfterEnv (setupFiles run before jest defines expect), and keep injectGlobals on',
    );
  });

  it("makes a negative assertion fail when the stack has what it says is absent", () => {
    const synthesized = Testing.synth(writerStack().stack);
    expect(synthesized).toHaveResourceWithProperties(KinesisStream, { name: "events" });
    expect(() => expect(synthesized).not.toHaveResource(KinesisStream)).toThrow(/Expected no aws_kinesis_stream with properties/);
    expect(() => expect(synthesized).not.toHaveResourceWithProperties(KinesisStream, { name: "events" })).toThrow();
    expect(synthesized).not.toHaveResourceWithProperties(KinesisStream, { name: "other" });
  });
});

describe("findResource", () => {
  it("finds a resource by the construct path of the construct that wraps it, relative or absolute", () => {
    const { stack } = writerStack();
    const found = findResource(stack, "Events");
    expect(found).toMatchObject({ type: "aws_kinesis_stream", values: { name: "events", shard_count: 1 } });
    expect(found.address).toBe(`aws_kinesis_stream.${found.logicalId}`);
    expect(findResource(stack, "my-stack/Events/Resource")).toEqual(found);
  });

  it("names the path and lists the resources there are when nothing is at the path", () => {
    expect(() => findResource(writerStack().stack, "Stream")).toThrow(
      'findResource: no resource at construct path "Stream" in stack my-stack; resources: Events/Resource, Writer/Resource, Writer/Policy',
    );
  });
});

describe("assertGranted", () => {
  it("passes for an action the role is granted on the resource", () => {
    const { stream, writer } = writerStack();
    expect(() => assertGranted(writer, { action: "kinesis:PutRecords", resource: stream.streamArn })).not.toThrow();
    expect(isGranted(writer, { action: "kinesis:PutRecord", resource: stream.streamArn })).toBe(true);
  });

  it("fails, listing what is granted, for an action or a resource the role is not granted", () => {
    const { stack, stream, writer } = writerStack();
    const streamRef = `\${aws_kinesis_stream.${findResource(stack, "Events").logicalId}.arn}`;
    expect(() => assertGranted(writer, { action: "kinesis:GetRecords", resource: stream.streamArn })).toThrow(
      `my-stack/Writer is not granted kinesis:GetRecords on ${streamRef}; it is granted: kinesis:PutRecord,kinesis:PutRecords on ${streamRef}`,
    );
    expect(isGranted(writer, { action: "kinesis:PutRecord", resource: "arn:aws:kinesis:eu-west-1:111122223333:stream/other" })).toBe(false);
    // The negative assertion a user writes fails when the grant is there.
    expect(() => expect(isGranted(writer, { action: "kinesis:PutRecord", resource: stream.streamArn })).toBe(false)).toThrow();
  });

  it("reports nothing granted to a role without grants", () => {
    const { stack } = newStack();
    const role = new Role(stack, "Idle", { assumedBy: Trust.service("lambda.amazonaws.com") });
    expect(grantedStatements(role)).toEqual([]);
    expect(() => assertGranted(role, { action: "s3:GetObject", resource: "arn:aws:s3:::b/*" })).toThrow("test/Idle is not granted s3:GetObject on arn:aws:s3:::b/*; it is granted: nothing");
  });
});
