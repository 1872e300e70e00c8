import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";

/** PutRecords takes at most 500 records and 5 MiB (data plus partition keys) per request. */
export const PUT_RECORDS_MAX_COUNT = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1_048_576;

export interface PendingRecord<E> {
  /** The entry (message, object) the record came from: it may be removed only when all its records are in. */
  entry: E;
  partitionKey: string;
  data: Buffer;
}

export const recordBytes = (r: { partitionKey: string; data: Buffer }): number => r.data.length + Buffer.byteLength(r.partitionKey, "utf8");

/** Splits records into PutRecords requests within the count and size limits, in order. */
export function chunkForPutRecords<R extends { partitionKey: string; data: Buffer }>(
  records: R[],
  maxCount = PUT_RECORDS_MAX_COUNT,
  maxBytes = PUT_RECORDS_MAX_BYTES,
): R[][] {
  const chunks: R[][] = [];
  let current: R[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordBytes(record);
    if (current.length > 0 && (current.length === maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export interface PutOptions {
  /** Attempts per record, the first included, before its entry is given up for this run. */
  maxAttempts?: number;
  /** Wait before the second attempt; doubled for each one after. */
  backoffMs?: number;
}

/**
 * Puts the records and retries those Kinesis did not acknowledge (a PutRecords partial failure,
 * or a failed request). Returns the entries with at least one record still not acknowledged, with
 * the last error seen: those must be kept. Acknowledged records are never put twice.
 */
export async function putAcknowledged<E>(
  kinesis: KinesisClient,
  streamName: string,
  records: PendingRecord<E>[],
  options: PutOptions = {},
): Promise<Map<E, string>> {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 200;
  const unacknowledged = new Map<E, string>();
  let pending = records;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 2)));
    const failed: Array<{ record: PendingRecord<E>; error: string }> = [];
    for (const chunk of chunkForPutRecords(pending)) {
      try {
        const out = await kinesis.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: chunk.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })),
          }),
        );
        const results = out.Records ?? [];
        chunk.forEach((record, i) => {
          const result = results[i];
          // Only a result with a sequence number and no error code is an acknowledgement.
          if (!result || result.ErrorCode || !result.SequenceNumber) {
            failed.push({ record, error: result?.ErrorCode ? `${result.ErrorCode}: ${result.ErrorMessage ?? ""}`.trim() : "no result for the record" });
          }
        });
      } catch (e) {
        for (const record of chunk) failed.push({ record, error: (e as Error).name + ": " + (e as Error).message });
      }
    }
    if (attempt >= maxAttempts) {
      for (const { record, error } of failed) unacknowledged.set(record.entry, `not acknowledged after ${attempt} attempts (${error})`);
      break;
    }
    pending = failed.map((f) => f.record);
  }
  return unacknowledged;
}
