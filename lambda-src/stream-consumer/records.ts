import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";

/** DynamoDB's item size limit. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** The largest identifier we accept (DynamoDB allows 2,048 for a partition key; we keep headroom). */
export const MAX_ID_BYTES = 1024;
/** Attributes the consumer adds to every item. */
export const SEQUENCE_ATTRIBUTE = "_sequenceNumber";
export const ARRIVAL_ATTRIBUTE = "_arrivedAt";

export type PoisonReason =
  | "not-base64"
  | "not-json"
  | "not-an-object"
  | "missing-key"
  | "key-too-long"
  | "unsupported-value"
  | "item-too-large"
  | "rejected-by-dynamodb";

/** A record that can never be written, however often it is retried. */
export class PoisonRecordError extends Error {
  constructor(
    readonly reason: PoisonReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = "PoisonRecordError";
  }
}

export interface KeySchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
}

/** A decoded record, ready to write. */
export interface DecodedItem {
  /** Identity of the item in the table (partition key, and sort key when there is one). */
  readonly key: Record<string, string>;
  /** A string unique per table key, for de-duplication. */
  readonly keyId: string;
  /** The Kinesis sequence number: a decimal string, compared as a big integer. */
  readonly sequenceNumber: string;
  readonly item: Record<string, unknown>;
  readonly sizeBytes: number;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Base64 → UTF-8 text, refusing anything that is not canonical base64. */
export function decodeBase64(data: string): string {
  if (!BASE64.test(data)) throw new PoisonRecordError("not-base64", "record data is not base64");
  return Buffer.from(data, "base64").toString("utf8");
}

/** Checks a key attribute: a non-empty string of at most 1,024 UTF-8 bytes. */
function keyValue(payload: Record<string, unknown>, attribute: string): string {
  const value = payload[attribute];
  if (typeof value !== "string" || value.length === 0) {
    throw new PoisonRecordError("missing-key", `${attribute} must be a non-empty string`);
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_ID_BYTES) {
    throw new PoisonRecordError("key-too-long", `${attribute} is ${bytes} bytes; at most ${MAX_ID_BYTES}`);
  }
  return value;
}

/** Decodes, parses and validates one Kinesis record; throws `PoisonRecordError` for a record that can never be written. */
export function decodeRecord(record: KinesisStreamRecord, schema: KeySchema): DecodedItem {
  const text = decodeBase64(record.kinesis.data);
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new PoisonRecordError("not-json", "record data is not JSON");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new PoisonRecordError("not-an-object", "record data must be a JSON object");
  }
  const body = payload as Record<string, unknown>;
  const key: Record<string, string> = { [schema.partitionKey]: keyValue(body, schema.partitionKey) };
  if (schema.sortKey) key[schema.sortKey] = keyValue(body, schema.sortKey);

  const sequenceNumber = record.kinesis.sequenceNumber;
  const arrival = record.kinesis.approximateArrivalTimestamp;
  const item = {
    ...body,
    [SEQUENCE_ATTRIBUTE]: sequenceNumber,
    // From the record, not the clock, so a replay writes the very same item.
    [ARRIVAL_ATTRIBUTE]: new Date(arrival * 1000).toISOString(),
  };
  let marshalled: Record<string, AttributeValue>;
  try {
    marshalled = marshall(item, { removeUndefinedValues: true });
  } catch (e) {
    throw new PoisonRecordError("unsupported-value", `not representable in DynamoDB (${(e as Error).message})`);
  }
  const sizeBytes = itemSizeBytes(marshalled);
  if (sizeBytes > MAX_ITEM_BYTES) {
    throw new PoisonRecordError("item-too-large", `item is ${sizeBytes} bytes; DynamoDB allows ${MAX_ITEM_BYTES}`);
  }
  return { key, keyId: JSON.stringify(Object.values(key)), sequenceNumber, item, sizeBytes };
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

/** True when sequence number `a` is later than `b` (both decimal strings of up to 128 digits). */
export function isLaterSequence(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}
