import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { NumberValue } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import { isLosslessNumber, parse as parseLossless } from "lossless-json";

/** DynamoDB's item size limit. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** The largest identifier we accept (DynamoDB allows 2,048 for a partition key; we keep headroom). */
export const MAX_ID_BYTES = 1024;
/** Attributes the consumer adds to every item. */
export const SEQUENCE_ATTRIBUTE = "_sequenceNumber";
export const ARRIVAL_ATTRIBUTE = "_arrivedAt";
/**
 * The item's place in time: arrival time, then sequence number, as one string that sorts as
 * they do (ISO time, then the sequence number zero-padded to Kinesis's 128 digits), so a
 * DynamoDB condition can compare it with `<`.
 */
export const ORDER_ATTRIBUTE = "_order";
const SEQUENCE_DIGITS = 128;

/** Why a record is parked (the parking contract's reasons, `redriven` aside). */
export type ParkReason = "invalid-json" | "invalid-utf8" | "schema-violation" | "too-large" | "partition-key-mismatch";

/** A record that can never be written, however often it is retried: it is parked with its payload. */
export class PoisonRecordError extends Error {
  constructor(
    readonly reason: ParkReason,
    /** Why, naming attributes and limits, never payload values. */
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = "PoisonRecordError";
  }
}

export interface KeySchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Park a record whose Kinesis partition key differs from its partition-key attribute. @default false */
  readonly partitionKeyMustMatch?: boolean;
}

/**
 * Where a record came from: the Kinesis record itself, or for a replay (see `unwrapReplay`) the
 * original record the envelope names. Parking and ordering use these, never the re-put's.
 */
export interface RecordOrigin {
  readonly streamArn: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Epoch seconds, as in the Kinesis Lambda event. */
  readonly approximateArrivalTimestamp: number;
  /** The exact record bytes (the inner payload of a replay). */
  readonly bytes: Buffer;
}

/** A decoded record, ready to write. */
export interface DecodedItem {
  /** Identity of the item in the table (partition key, and sort key when there is one). */
  readonly key: Record<string, string>;
  /** A string unique per table key, for de-duplication. */
  readonly keyId: string;
  /** The original Kinesis sequence number: a decimal string. */
  readonly sequenceNumber: string;
  /** Arrival time, then sequence number, as a string that sorts as they do (`ORDER_ATTRIBUTE`). */
  readonly order: string;
  readonly item: Record<string, unknown>;
  readonly sizeBytes: number;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Base64 → bytes, refusing anything that is not canonical base64 (Lambda always sends canonical base64). */
export function decodeBase64(data: string): Buffer {
  if (!BASE64.test(data)) throw new PoisonRecordError("invalid-json", "record data is not base64");
  return Buffer.from(data, "base64");
}

/** Bytes → text, refusing invalid UTF-8 instead of replacing it (the record is parked as it came). */
export function decodeUtf8(bytes: Buffer): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new PoisonRecordError("invalid-utf8", "record data is not valid UTF-8");
  }
}

/** JSON text → value, numbers kept exactly as written (`LosslessNumber`), never rounded to a double. */
export function parseJson(text: string): unknown {
  try {
    return parseLossless(text);
  } catch {
    throw new PoisonRecordError("invalid-json", "record data is not JSON");
  }
}

/** The origin of a fresh Kinesis record. */
export function originOf(record: KinesisStreamRecord): RecordOrigin {
  return {
    streamArn: record.eventSourceARN,
    shardId: record.eventID.split(":")[0],
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
    approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
    bytes: Buffer.from(record.kinesis.data, "base64"),
  };
}

const SHARD_ID = /^shardId-\d{12}$/;
/** Kinesis's longest retention, 8,760 hours: no replayed record can be older. */
const MAX_RETENTION_SECONDS = 8760 * 3600;

/**
 * A replay envelope (`npm run replay-parked`) → the original record's origin and bytes; any other
 * value → undefined. An envelope with a malformed field is not an envelope: it is decoded as is.
 */
export function unwrapReplay(value: unknown, outer: RecordOrigin): RecordOrigin | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const replay = isLosslessNumber(v.ingestReplay) ? v.ingestReplay.toString() : undefined;
  const arrival = isLosslessNumber(v.originalArrivalTimestamp) ? Number(v.originalArrivalTimestamp.toString()) : NaN;
  if (replay !== "1" || typeof v.payload !== "string" || !BASE64.test(v.payload)) return undefined;
  if (typeof v.originalSequenceNumber !== "string" || !/^\d{1,128}$/.test(v.originalSequenceNumber)) return undefined;
  if (typeof v.originalShardId !== "string" || !SHARD_ID.test(v.originalShardId)) return undefined;
  // Anyone who can put into the stream can write an envelope: its original arrival must lie
  // within a year (the longest retention) before the record's own arrival, never after it, so a
  // forged one can neither outrank later writes of its key nor break the ordering attribute.
  const outerArrival = outer.approximateArrivalTimestamp;
  if (!Number.isFinite(arrival) || arrival > outerArrival || arrival < outerArrival - MAX_RETENTION_SECONDS) return undefined;
  return {
    ...outer,
    shardId: v.originalShardId,
    sequenceNumber: v.originalSequenceNumber,
    approximateArrivalTimestamp: arrival,
    bytes: Buffer.from(v.payload, "base64"),
  };
}

/** Checks a key attribute: a non-empty string of at most 1,024 UTF-8 bytes. */
function keyValue(payload: Record<string, unknown>, attribute: string): string {
  const value = payload[attribute];
  if (typeof value !== "string" || value.length === 0) {
    throw new PoisonRecordError("schema-violation", `${attribute} must be a non-empty string`);
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_ID_BYTES) {
    throw new PoisonRecordError("schema-violation", `${attribute} is ${bytes} bytes; at most ${MAX_ID_BYTES}`);
  }
  return value;
}

/**
 * DynamoDB's number range: at most 38 significant digits, magnitude from 1E-130 to below 1E+126
 * (or zero). Checked on the text, so nothing is rounded on the way.
 */
export function isDynamoDbNumber(text: string): boolean {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return false;
  const [, integer, fraction = "", exponent = "0"] = match;
  const digits = `${integer}${fraction}`;
  const leadingZeros = digits.length - digits.replace(/^0+/, "").length;
  const significant = digits.slice(leadingZeros).replace(/0+$/, "");
  if (significant === "") return true; // zero
  if (significant.length > 38) return false;
  // value = d.ddd × 10^scientific
  const scientific = integer.length - leadingZeros - 1 + Number(exponent);
  return scientific >= -130 && scientific <= 125;
}

/** Lossless numbers → `NumberValue` (written as DynamoDB numbers, exactly as sent); rejects numbers DynamoDB cannot hold. */
function toDynamoDbValue(value: unknown, path: string): unknown {
  if (isLosslessNumber(value)) {
    const text = value.toString();
    if (!isDynamoDbNumber(text)) {
      throw new PoisonRecordError("schema-violation", `${path} is a number DynamoDB cannot hold (38 digits, 1E-130 to 1E+126)`);
    }
    return new NumberValue(text);
  }
  if (Array.isArray(value)) return value.map((v, i) => toDynamoDbValue(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toDynamoDbValue(v, `${path}.${k}`)]));
  }
  return value;
}

/** `_order` of a record: ISO arrival time, `#`, the sequence number zero-padded. */
export function orderOf(approximateArrivalTimestamp: number, sequenceNumber: string): string {
  return `${new Date(Math.round(approximateArrivalTimestamp * 1000)).toISOString()}#${sequenceNumber.padStart(SEQUENCE_DIGITS, "0")}`;
}

/**
 * Parses one record's bytes and validates them against the table; throws `PoisonRecordError`
 * for a record that can never be written. `origin` names the original record (a replay's too).
 */
export function decodePayload(origin: RecordOrigin, value: unknown, schema: KeySchema): DecodedItem {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PoisonRecordError("schema-violation", "record data must be a JSON object");
  }
  const body = value as Record<string, unknown>;
  const key: Record<string, string> = { [schema.partitionKey]: keyValue(body, schema.partitionKey) };
  if (schema.sortKey) key[schema.sortKey] = keyValue(body, schema.sortKey);
  if (schema.partitionKeyMustMatch && origin.partitionKey !== key[schema.partitionKey]) {
    throw new PoisonRecordError("partition-key-mismatch", `the Kinesis partition key differs from the record's ${schema.partitionKey}`);
  }
  const sequenceNumber = origin.sequenceNumber;
  const arrival = origin.approximateArrivalTimestamp;
  const order = orderOf(arrival, sequenceNumber);
  const item = {
    ...(toDynamoDbValue(body, "$") as Record<string, unknown>),
    [SEQUENCE_ATTRIBUTE]: sequenceNumber,
    // From the record, not the clock, so a replay writes the very same item.
    [ARRIVAL_ATTRIBUTE]: new Date(Math.round(arrival * 1000)).toISOString(),
    [ORDER_ATTRIBUTE]: order,
  };
  let marshalled: Record<string, AttributeValue>;
  try {
    marshalled = marshall(item, { removeUndefinedValues: true });
  } catch (e) {
    throw new PoisonRecordError("schema-violation", `not representable in DynamoDB (${(e as Error).name})`);
  }
  const sizeBytes = itemSizeBytes(marshalled);
  if (sizeBytes > MAX_ITEM_BYTES) {
    throw new PoisonRecordError("too-large", `item is ${sizeBytes} bytes; DynamoDB allows ${MAX_ITEM_BYTES}`);
  }
  return { key, keyId: JSON.stringify(Object.values(key)), sequenceNumber, order, item, sizeBytes };
}

/**
 * Decodes one Kinesis record (unwrapping a replay envelope) into its origin and, when it can be
 * written, the item. `error` is set for a record that can never be written; `origin` always is.
 */
export function decodeRecordWithOrigin(
  record: KinesisStreamRecord,
  schema: KeySchema,
): { origin: RecordOrigin; item?: DecodedItem; error?: PoisonRecordError } {
  let origin = originOf(record);
  try {
    decodeBase64(record.kinesis.data);
    let value = parseJson(decodeUtf8(origin.bytes));
    const replayed = unwrapReplay(value, origin);
    if (replayed) {
      origin = replayed;
      value = parseJson(decodeUtf8(origin.bytes));
    }
    return { origin, item: decodePayload(origin, value, schema) };
  } catch (error) {
    if (error instanceof PoisonRecordError) return { origin, error };
    // Decoding touches nothing but the record: whatever else it throws is the record's fault.
    return { origin, error: new PoisonRecordError("schema-violation", `cannot be decoded (${(error as Error)?.name ?? "error"})`) };
  }
}

/** Decodes, parses and validates one Kinesis record; throws `PoisonRecordError` for a record that can never be written. */
export function decodeRecord(record: KinesisStreamRecord, schema: KeySchema): DecodedItem {
  const { item, error } = decodeRecordWithOrigin(record, schema);
  if (error) throw error;
  return item!;
}

/**
 * DynamoDB's item size: attribute-name bytes plus value bytes, per the published rules
 * (numbers ≤ 21 bytes, 3 bytes of overhead per list or map, 1 per element).
 */
export function itemSizeBytes(item: Record<string, AttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) total += Buffer.byteLength(name, "utf8") + valueSize(value);
  return total;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S, "utf8");
  if (v.N !== undefined) return Math.min(21, Math.ceil(v.N.replace(/^-|\.|e.*$/gi, "").length / 2) + 1);
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.L !== undefined) return 3 + v.L.reduce((sum, e) => sum + 1 + valueSize(e), 0);
  if (v.M !== undefined) {
    return 3 + Object.entries(v.M).reduce((sum, [k, e]) => sum + 1 + Buffer.byteLength(k, "utf8") + valueSize(e), 0);
  }
  if (v.SS !== undefined) return v.SS.reduce((s, e) => s + Buffer.byteLength(e, "utf8"), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, e) => s + Math.min(21, e.length), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, e) => s + e.length, 0);
  return 0;
}
