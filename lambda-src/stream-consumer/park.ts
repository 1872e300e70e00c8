import { createHash } from "crypto";
import type { PutObjectCommandInput } from "@aws-sdk/client-s3";
import type { SendMessageCommandInput } from "@aws-sdk/client-sqs";
import type { ParkReason, RecordOrigin } from "./records";

/** SQS's message size limit (moto enforces the same). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Where large records go in the failure bucket. */
export const PARKED_PREFIX = "parked/";

/** One parked record: the parking contract's message body (docs in /README, "Failure handling"). */
export interface ParkingMessage {
  readonly version: 1;
  readonly reason: ParkReason | "redriven";
  readonly detail: string;
  readonly streamArn: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly approximateArrivalTimestamp: number;
  readonly payload?: string;
  readonly payloadObject?: { readonly bucket: string; readonly key: string };
  readonly payloadSha256: string;
  readonly parkedAt: string;
}

/** The calls parking makes; the handler passes SQS and S3 clients' sends. */
export interface ParkingTarget {
  readonly queueUrl: string;
  /** The failure bucket holding `parked/` objects. @default none: a record too large for a message cannot be parked */
  readonly bucket?: string;
  sendMessage(input: SendMessageCommandInput): Promise<unknown>;
  putObject(input: PutObjectCommandInput): Promise<unknown>;
}

/** A record could not be parked: the deployment is broken (permissions, key, missing queue), so the invocation fails. */
export class ParkingError extends Error {
  constructor(
    readonly origin: Pick<RecordOrigin, "shardId" | "sequenceNumber">,
    readonly cause: unknown,
  ) {
    super(`could not park record ${origin.shardId}/${origin.sequenceNumber}: ${(cause as Error)?.name ?? "error"}`);
    this.name = "ParkingError";
  }
}

/** The message for one record, with the payload inline (base64 of the exact bytes). */
export function parkingMessage(origin: RecordOrigin, reason: ParkReason, detail: string, now: Date): ParkingMessage {
  return {
    version: 1,
    reason,
    detail,
    streamArn: origin.streamArn,
    shardId: origin.shardId,
    sequenceNumber: origin.sequenceNumber,
    partitionKey: origin.partitionKey,
    approximateArrivalTimestamp: origin.approximateArrivalTimestamp,
    payload: origin.bytes.toString("base64"),
    payloadSha256: createHash("sha256").update(origin.bytes).digest("hex"),
    parkedAt: now.toISOString(),
  };
}

/** The object key of a large record: one per original record, so parking it twice writes the same object. */
export function parkedObjectKey(origin: Pick<RecordOrigin, "streamArn" | "shardId" | "sequenceNumber">): string {
  const stream = origin.streamArn.split("/").pop() ?? "stream";
  return `${PARKED_PREFIX}${stream}/${origin.shardId}/${origin.sequenceNumber}`;
}

/**
 * Parks one record: one SQS message, and for a message over SQS's limit the bytes in an S3
 * object under `parked/` that the message names. Throws `ParkingError` if either call fails.
 */
export async function park(target: ParkingTarget, origin: RecordOrigin, reason: ParkReason, detail: string, now = new Date()): Promise<ParkingMessage> {
  let message = parkingMessage(origin, reason, detail, now);
  try {
    if (Buffer.byteLength(JSON.stringify(message), "utf8") > MAX_MESSAGE_BYTES) {
      if (!target.bucket) throw new Error("the record is too large for a message and no failure bucket is configured");
      const key = parkedObjectKey(origin);
      await target.putObject({ Bucket: target.bucket, Key: key, Body: origin.bytes, ContentType: "application/octet-stream" });
      // undefined drops out of the JSON: the message names the object instead.
      message = { ...message, payload: undefined, payloadObject: { bucket: target.bucket, key } };
    }
    await target.sendMessage({ QueueUrl: target.queueUrl, MessageBody: JSON.stringify(message) });
  } catch (error) {
    throw new ParkingError(origin, error);
  }
  return message;
}
