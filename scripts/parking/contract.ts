/**
 * The parking contract of issue 11 (parking message, replay envelope), as the after-incident tools
 * read and write it. The consumer writes the same formats; these functions are the tools' side.
 */
import { createHash } from "crypto";

/** SQS's largest message body: a parking message above it keeps its payload in S3 under parked/. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** Kinesis's largest record (data plus partition key) at the default limit. */
export const KINESIS_MAX_RECORD_BYTES = 1_048_576;
export const PARKED_PREFIX = "parked/";

export type ParkingReason =
  | "invalid-json"
  | "invalid-utf8"
  | "schema-violation"
  | "too-large"
  | "partition-key-mismatch"
  | "redriven";

export interface ParkingMessage {
  version: 1;
  reason: ParkingReason;
  detail: string;
  streamArn: string;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  approximateArrivalTimestamp: number;
  payload?: string;
  payloadObject?: { bucket: string; key: string };
  payloadSha256: string;
  parkedAt: string;
}

export interface ReplayEnvelope {
  ingestReplay: 1;
  originalSequenceNumber: string;
  originalShardId: string;
  originalArrivalTimestamp: number;
  payload: string;
}

/** A record in its first place in time: the bytes and where they first arrived. */
export interface OriginalRecord {
  partitionKey: string;
  shardId: string;
  sequenceNumber: string;
  approximateArrivalTimestamp: number;
  payload: Buffer;
}

export const sha256Hex = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

/** The stream data of a replayed record: the envelope, as UTF-8 JSON. */
export function replayEnvelopeBytes(record: OriginalRecord): Buffer {
  const envelope: ReplayEnvelope = {
    ingestReplay: 1,
    originalSequenceNumber: record.sequenceNumber,
    originalShardId: record.shardId,
    originalArrivalTimestamp: record.approximateArrivalTimestamp,
    payload: record.payload.toString("base64"),
  };
  return Buffer.from(JSON.stringify(envelope), "utf8");
}

/** The envelope a stream record carries, or undefined when it is a fresh record. */
export function parseReplayEnvelope(data: Buffer): ReplayEnvelope | undefined {
  // A replay envelope is small JSON starting with "{"; anything else is a fresh record.
  if (data[0] !== 0x7b) return undefined;
  let value: any;
  try {
    value = JSON.parse(data.toString("utf8"));
  } catch {
    return undefined;
  }
  if (
    value?.ingestReplay === 1 &&
    typeof value.originalSequenceNumber === "string" &&
    typeof value.originalShardId === "string" &&
    typeof value.originalArrivalTimestamp === "number" &&
    typeof value.payload === "string"
  ) {
    return value as ReplayEnvelope;
  }
  return undefined;
}

/**
 * A record as it was first put: a stream record that is itself a replay envelope stands for the
 * original record it carries, so a second replay keeps the first place in time.
 */
export function originalOf(record: OriginalRecord): OriginalRecord {
  const envelope = parseReplayEnvelope(record.payload);
  if (!envelope) return record;
  return {
    partitionKey: record.partitionKey,
    shardId: envelope.originalShardId,
    sequenceNumber: envelope.originalSequenceNumber,
    approximateArrivalTimestamp: envelope.originalArrivalTimestamp,
    payload: Buffer.from(envelope.payload, "base64"),
  };
}

/** Reads and checks a parking message body; throws with the field at fault. */
export function parseParkingMessage(body: string): ParkingMessage {
  let value: any;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error("parking message is not JSON");
  }
  if (value?.version !== 1) throw new Error(`parking message version ${JSON.stringify(value?.version)} is not 1`);
  for (const field of ["streamArn", "shardId", "sequenceNumber", "partitionKey", "payloadSha256"] as const) {
    if (typeof value[field] !== "string" || value[field] === "") throw new Error(`parking message has no ${field}`);
  }
  if (typeof value.approximateArrivalTimestamp !== "number") throw new Error("parking message has no approximateArrivalTimestamp");
  const inline = typeof value.payload === "string";
  const object = typeof value.payloadObject?.bucket === "string" && typeof value.payloadObject?.key === "string";
  if (inline === object) throw new Error("parking message needs exactly one of payload and payloadObject");
  return value as ParkingMessage;
}

/** The original record a parking message describes, given its payload bytes (checked against the hash). */
export function parkedRecord(message: ParkingMessage, payload: Buffer): OriginalRecord {
  const actual = sha256Hex(payload);
  if (actual !== message.payloadSha256) {
    throw new Error(`payload sha256 ${actual} differs from the parked payloadSha256 ${message.payloadSha256}`);
  }
  return {
    partitionKey: message.partitionKey,
    shardId: message.shardId,
    sequenceNumber: message.sequenceNumber,
    approximateArrivalTimestamp: message.approximateArrivalTimestamp,
    payload,
  };
}

/** Where a parked payload too large for its message goes; one key per original record, so a rerun overwrites. */
export const parkedObjectKey = (record: OriginalRecord): string => `${PARKED_PREFIX}${record.shardId}/${record.sequenceNumber}`;

export interface ParkingPlan {
  /** The message body to send. */
  body: string;
  /** The S3 object to write first when the payload does not fit the message. */
  object?: { bucket: string; key: string; body: Buffer };
}

/**
 * The parking message for a record (its original, when it was a replay envelope), with the payload
 * inline when the message fits SQS, else in an S3 object under parked/ of `bucket`.
 */
export function planParking(
  streamRecord: OriginalRecord,
  meta: { reason: ParkingReason; detail: string; streamArn: string; parkedAt: string; bucket?: string },
): ParkingPlan {
  const record = originalOf(streamRecord);
  const base: ParkingMessage = {
    version: 1,
    reason: meta.reason,
    detail: meta.detail,
    streamArn: meta.streamArn,
    shardId: record.shardId,
    sequenceNumber: record.sequenceNumber,
    partitionKey: record.partitionKey,
    approximateArrivalTimestamp: record.approximateArrivalTimestamp,
    payloadSha256: sha256Hex(record.payload),
    parkedAt: meta.parkedAt,
  };
  const inline = JSON.stringify({ ...base, payload: record.payload.toString("base64") });
  if (Buffer.byteLength(inline, "utf8") <= SQS_MAX_MESSAGE_BYTES) return { body: inline };
  if (!meta.bucket) throw new Error(`record ${record.sequenceNumber} needs an S3 object under ${PARKED_PREFIX} but no bucket was given (--bucket)`);
  const object = { bucket: meta.bucket, key: parkedObjectKey(record) };
  return { body: JSON.stringify({ ...base, payloadObject: object }), object: { ...object, body: record.payload } };
}
