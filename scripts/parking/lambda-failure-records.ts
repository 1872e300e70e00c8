/**
 * Lambda's own on-failure records for a Kinesis event source mapping.
 *
 * Every destination gets the invocation record's metadata, documented in "Retain discarded batch
 * records for a Kinesis Data Streams event source in Lambda"
 * (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html):
 *   { "requestContext": { "requestId", "functionArn", "condition": "RetryAttemptsExhausted", "approximateInvokeCount" },
 *     "responseContext": { "statusCode", "executedVersion", "functionError" },
 *     "version": "1.0", "timestamp": "2019-11-14T00:38:06.021Z",
 *     "KinesisBatchInfo": { "shardId", "startSequenceNumber", "endSequenceNumber",
 *       "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord", "batchSize", "streamArn" } }
 * An SQS or SNS destination gets only that (a pointer). Since November 2024 an S3 destination also
 * gets the whole invocation event, in a field "payload" next to the metadata ("For Amazon S3
 * destinations, Lambda also sends the entire invocation record along with the metadata", same
 * wording on the Kafka page, kafka-on-failure.html), in an object keyed
 *   aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>
 * (the naming convention as the Kinesis page states it, quoted in localstack/localstack#12087).
 * The event is the Kinesis event the function received: { "Records": [ { "kinesis": { "partitionKey",
 * "sequenceNumber", "data" (base64), "approximateArrivalTimestamp", ... }, "eventID", "eventSourceARN", ... } ] }.
 * Emulators built from that page differ on how "payload" holds it: LocalStack writes the event as a
 * JSON object (localstack/localstack#12087, stream_poller.py send_events_to_dlq), floci as the event
 * serialized into a JSON string (floci-io/floci#3620/#3622, "string-valued payload field"). Both are
 * read here; a sample of a real object would settle which AWS writes.
 */
import type { KinesisStreamEvent } from "aws-lambda";
import { OriginalRecord } from "./contract";

/** Where Lambda writes its invocation records in an S3 on-failure destination. */
export const LAMBDA_FAILURE_PREFIX = "aws/lambda/";

export interface KinesisBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  streamArn: string;
}

export interface FailureRecord {
  condition?: string;
  batch: KinesisBatchInfo;
}

function batchInfoOf(value: any): KinesisBatchInfo {
  const info = value?.KinesisBatchInfo;
  if (!info || typeof info !== "object") throw new Error("invocation record has no KinesisBatchInfo");
  for (const field of ["shardId", "startSequenceNumber", "endSequenceNumber", "streamArn"] as const) {
    if (typeof info[field] !== "string" || info[field] === "") throw new Error(`KinesisBatchInfo has no ${field}`);
  }
  if (!Number.isInteger(info.batchSize) || info.batchSize < 1) throw new Error(`KinesisBatchInfo.batchSize ${JSON.stringify(info.batchSize)} is not a positive integer`);
  return {
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    batchSize: info.batchSize,
    streamArn: info.streamArn,
  };
}

function parseJson(text: string, what: string): any {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not JSON`);
  }
}

/** Reads an on-failure pointer (an SQS destination's message body). */
export function parseFailurePointer(body: string): FailureRecord {
  const value = parseJson(body, "on-failure message");
  return { condition: value?.requestContext?.condition, batch: batchInfoOf(value) };
}

/**
 * Reads an S3 on-failure object: the pointer plus the batch's records, each as it first arrived.
 * Throws when the object holds no payload or the payload disagrees with its KinesisBatchInfo.
 */
export function parseS3FailureObject(text: string): FailureRecord & { records: OriginalRecord[] } {
  const value = parseJson(text, "invocation record");
  const pointer: FailureRecord = { condition: value?.requestContext?.condition, batch: batchInfoOf(value) };
  const raw = value.payload;
  if (raw === undefined) throw new Error("invocation record has no payload (written before Lambda sent payloads to S3?)");
  const event: KinesisStreamEvent = typeof raw === "string" ? parseJson(raw, "invocation record payload") : raw;
  if (!Array.isArray(event?.Records)) throw new Error("invocation record payload has no Records");
  const records = event.Records.map((r, i): OriginalRecord => {
    const k = r?.kinesis;
    if (typeof k?.data !== "string" || typeof k.partitionKey !== "string" || typeof k.sequenceNumber !== "string") {
      throw new Error(`payload record ${i} has no kinesis data, partitionKey or sequenceNumber`);
    }
    return {
      partitionKey: k.partitionKey,
      // eventID is "<shardId>:<sequenceNumber>"; the batch names the shard for all of them.
      shardId: pointer.batch.shardId,
      sequenceNumber: k.sequenceNumber,
      approximateArrivalTimestamp: k.approximateArrivalTimestamp,
      payload: Buffer.from(k.data, "base64"),
    };
  });
  if (records.length !== pointer.batch.batchSize) {
    throw new Error(`payload holds ${records.length} records, KinesisBatchInfo.batchSize says ${pointer.batch.batchSize}`);
  }
  return { ...pointer, records };
}

/** The stream name in a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>). */
export function streamNameOf(streamArn: string): string {
  const match = /^arn:[^:]+:kinesis:[^:]*:[^:]*:stream\/([^/]+)$/.exec(streamArn);
  if (!match) throw new Error(`"${streamArn}" is not a Kinesis stream ARN`);
  return match[1];
}

/** Compares two Kinesis sequence numbers (decimal strings beyond 2^53). */
export const compareSequence = (a: string, b: string): number => {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};
