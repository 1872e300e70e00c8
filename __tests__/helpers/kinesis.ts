import type { Context, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";

let nextSequence = 49590338271490256608559692538361571095921575989136588898n;

/** A Kinesis event record as Lambda delivers it; `data` is JSON-encoded unless a raw base64 string is given. */
export function kinesisRecord(payload: unknown, options: { rawData?: string; sequenceNumber?: string; partitionKey?: string } = {}): KinesisStreamRecord {
  const sequenceNumber = options.sequenceNumber ?? String(nextSequence++);
  return {
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: "arn:aws:iam::123456789012:role/consumer",
    awsRegion: "eu-west-1",
    eventSourceARN: "arn:aws:kinesis:eu-west-1:123456789012:stream/events",
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: options.partitionKey ?? "pk",
      sequenceNumber,
      data: options.rawData ?? Buffer.from(JSON.stringify(payload)).toString("base64"),
      approximateArrivalTimestamp: 1767225600.123,
    },
  };
}

export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(remainingMs = 60_000): Context {
  const start = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "consumer",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:consumer",
    memoryLimitInMB: "256",
    awsRequestId: "req-1",
    logGroupName: "/aws/lambda/consumer",
    logStreamName: "stream",
    getRemainingTimeInMillis: () => remainingMs - (Date.now() - start),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A logger that records calls, for asserting what is (and is not) logged. */
export function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    lines.push({ level, message, fields });
  };
  return { lines, warn: log("warn"), info: log("info"), error: log("error") } as any;
}
