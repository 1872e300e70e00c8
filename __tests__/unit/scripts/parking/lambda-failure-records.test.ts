import { compareSequence, parseFailurePointer, parseS3FailureObject, streamNameOf } from "../../../../scripts/parking/lambda-failure-records";
import { kinesisRecord } from "../../../helpers/kinesis";
import { failurePointer, lambdaS3FailureObject } from "../../../helpers/parking";

const ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/events";

describe("Lambda's on-failure records", () => {
  const records = [kinesisRecord(undefined, { rawData: "/wA=", partitionKey: "a", sequenceNumber: "10" }), kinesisRecord({ eventId: "b" }, { partitionKey: "b", sequenceNumber: "11" })];

  it.each(["string", "object"] as const)("reads the batch's records from an S3 object whose payload is a JSON %s", (form) => {
    const parsed = parseS3FailureObject(lambdaS3FailureObject(ARN, records, form));
    expect(parsed.batch).toEqual({ shardId: "shardId-000000000000", startSequenceNumber: "10", endSequenceNumber: "11", batchSize: 2, streamArn: ARN });
    expect(parsed.condition).toBe("RetryAttemptsExhausted");
    expect(parsed.records.map((r) => [r.partitionKey, r.sequenceNumber, r.shardId, r.approximateArrivalTimestamp])).toEqual([
      ["a", "10", "shardId-000000000000", 1767225600.123],
      ["b", "11", "shardId-000000000000", 1767225600.123],
    ]);
    expect(parsed.records[0].payload).toEqual(Buffer.from([0xff, 0x00]));
  });

  it("refuses an S3 object without payload, or whose records disagree with its batch size", () => {
    const withoutPayload = JSON.stringify(failurePointer(ARN, { shardId: "shardId-000000000000", start: "10", end: "11", batchSize: 2 }));
    expect(() => parseS3FailureObject(withoutPayload)).toThrow("invocation record has no payload");
    const object = JSON.parse(lambdaS3FailureObject(ARN, records));
    object.KinesisBatchInfo.batchSize = 3;
    expect(() => parseS3FailureObject(JSON.stringify(object))).toThrow("payload holds 2 records, KinesisBatchInfo.batchSize says 3");
    expect(() => parseS3FailureObject(JSON.stringify({ ...object, payload: "{" }))).toThrow("invocation record payload is not JSON");
  });

  it("reads an SQS pointer, naming the field it lacks", () => {
    const pointer = failurePointer(ARN, { shardId: "shardId-000000000002", start: "1", end: "9", batchSize: 4 });
    expect(parseFailurePointer(JSON.stringify(pointer))).toEqual({
      condition: "RetryAttemptsExhausted",
      batch: { shardId: "shardId-000000000002", startSequenceNumber: "1", endSequenceNumber: "9", batchSize: 4, streamArn: ARN },
    });
    expect(() => parseFailurePointer(JSON.stringify({ ...pointer, KinesisBatchInfo: { ...pointer.KinesisBatchInfo, endSequenceNumber: undefined } }))).toThrow("KinesisBatchInfo has no endSequenceNumber");
    expect(() => parseFailurePointer(JSON.stringify({ ...pointer, KinesisBatchInfo: { ...pointer.KinesisBatchInfo, batchSize: 0 } }))).toThrow("KinesisBatchInfo.batchSize 0 is not a positive integer");
    expect(() => parseFailurePointer('{"DDBStreamBatchInfo":{}}')).toThrow("invocation record has no KinesisBatchInfo");
  });

  it("finds the stream name in its ARN and orders sequence numbers beyond 2^53 exactly", () => {
    expect(streamNameOf(ARN)).toBe("events");
    expect(() => streamNameOf("arn:aws:sqs:eu-west-1:1:q")).toThrow('"arn:aws:sqs:eu-west-1:1:q" is not a Kinesis stream ARN');
    expect(compareSequence("49590338271490256608559692538361571095921575989136588899", "49590338271490256608559692538361571095921575989136588898")).toBe(1);
    expect(compareSequence("9", "10")).toBe(-1);
    expect(compareSequence("10", "10")).toBe(0);
  });
});
