import { Token } from "cdktf";
import { DataStream, EventTable, IngestApi, SecureBucket, UNRESOLVED_VALUE, ValidationError } from "../../../modules";
import { renderTokens } from "../../../modules/core/validation-error";
import { newStack } from "../../helpers/synth";

/** A value Terraform knows only at apply time, as a construct receives it. */
const reference = () => Token.asString({ resolve: () => "${var.name}" });
const TOKEN_MARKER = /TfToken|e\+289/;

/** The message `build` throws, after checking it is a one-line ValidationError. */
function messageOf(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error("expected a ValidationError, none was thrown");
}

describe("validation messages never print an unresolved token", () => {
  it("shows a string, number or list token as <known after apply>, keeping literal text and numbers", () => {
    const name = reference();
    const count = Token.asNumber({ resolve: () => 2 });
    const list = Token.asList({ resolve: () => ["a"] });
    expect(renderTokens(`got ${JSON.stringify(name)}, ${JSON.stringify(`pre-${name}`)}, ${String(count)}, ${list[0]}; 1e+5 and 2`)).toBe(
      `got ${UNRESOLVED_VALUE}, "pre-${UNRESOLVED_VALUE}", ${UNRESOLVED_VALUE}, ${UNRESOLVED_VALUE}; 1e+5 and 2`,
    );
  });

  it.each([
    [
      "IngestApi: two streams of one referenced name",
      () => {
        const { stack } = newStack();
        const name = reference();
        const arn = "arn:aws:kinesis:eu-west-1:111122223333:stream/x";
        const streams = ["A", "B"].map((id) => DataStream.fromStreamArn(stack, id, { streamArn: arn, streamName: name }));
        new IngestApi(stack, "Api", { streams });
      },
      `test/Api: streams must be distinct; got ${UNRESOLVED_VALUE}, ${UNRESOLVED_VALUE}`,
    ],
    [
      "EventTable: a sort key named by the partition key's reference",
      () => {
        const { stack } = newStack();
        const name = reference();
        new EventTable(stack, "Table", { partitionKey: { name }, sortKey: { name } });
      },
      `test/Table: sortKey.name must differ from partitionKey.name; both are ${UNRESOLVED_VALUE}`,
    ],
    [
      "DataStream: a referenced shard count on an on-demand stream",
      () => {
        const { stack } = newStack();
        new DataStream(stack, "Stream", { streamMode: "ON_DEMAND" as never, shardCount: Token.asNumber({ resolve: () => 2 }) });
      },
      `test/Stream: shardCount must not be set when streamMode is ON_DEMAND (AWS sizes the stream); got ${UNRESOLVED_VALUE}`,
    ],
  ])("%s", (_label, build, expected) => {
    const message = messageOf(build);
    expect(message).toBe(expected);
    expect(message).not.toMatch(TOKEN_MARKER);
  });

  it("leaves a message without tokens as it is", () => {
    expect(messageOf(() => SecureBucket.fromBucketName("Bad_Bucket"))).toMatch(/^SecureBucket\.fromBucketName: bucketName must follow S3 bucket naming rules .*; got "Bad_Bucket"$/);
  });
});
