import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
} from "@aws-sdk/lib-dynamodb";
import { DecodedItem, isLaterSequence, PoisonRecordError, SEQUENCE_ATTRIBUTE } from "./records";

/**
 * Idempotent, fast writes of many items.
 *
 * Design (figures in bench/results.md): the newest record per key wins inside a batch; one
 * BatchGetItem per 100 keys reads the stored sequence numbers; only items newer than what is
 * stored are written, by BatchWriteItem, 25 per call, several calls in flight. A replay therefore
 * writes nothing and an older record never overwrites a newer one. BatchWriteItem takes no
 * condition expressions, so the guard is the read; the one race it leaves (the same key written
 * from two shards in the same millisecond) cannot happen when the partition key is the item key,
 * as the ingest API does, because Kinesis then keeps one key in one shard, in order.
 */

export type WriteOutcome = "written" | "unchanged" | "superseded";

export interface WriterOptions {
  readonly tableName: string;
  /** Epoch ms after which no retry starts (the function's remaining time, minus a margin). */
  readonly deadline: number;
  /** BatchWriteItem calls in flight at once. @default 8 */
  readonly concurrency?: number;
  /** First retry delay in ms; doubles each attempt, capped at maxDelayMs, with full jitter. @default 50 */
  readonly baseDelayMs?: number;
  /** @default 2000 */
  readonly maxDelayMs?: number;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
}

export const BATCH_WRITE_LIMIT = 25;
export const BATCH_GET_LIMIT = 100;

/** Error codes DynamoDB returns when it is overloaded: retry the same request later. */
const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
]);

/** Full-jitter exponential backoff: a random delay in [0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The newest item per key (by sequence number), and the older ones it supersedes. */
export function latestPerKey(items: readonly DecodedItem[]): { latest: DecodedItem[]; superseded: Map<DecodedItem, DecodedItem> } {
  const best = new Map<string, DecodedItem>();
  for (const item of items) {
    const current = best.get(item.keyId);
    if (!current || isLaterSequence(item.sequenceNumber, current.sequenceNumber)) best.set(item.keyId, item);
  }
  const superseded = new Map<DecodedItem, DecodedItem>();
  for (const item of items) {
    const winner = best.get(item.keyId)!;
    if (winner !== item) superseded.set(item, winner);
  }
  return { latest: [...best.values()], superseded };
}

/** Runs `fn` over `items` with at most `limit` promises pending. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return results;
}

class DeadlineError extends Error {
  constructor(what: string) {
    super(`out of time: ${what} still pending when the function's time ran short`);
    this.name = "DeadlineError";
  }
}

/** Writes batches of decoded items idempotently; see the file comment. */
export class ItemWriter {
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, "send">,
    private readonly options: WriterOptions,
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
  }

  /**
   * Writes the items; returns one settled result per input item, in order. A rejected result
   * means the record must be retried (or, for a PoisonRecordError, can never be written).
   */
  async writeAll(items: readonly DecodedItem[]): Promise<PromiseSettledResult<WriteOutcome>[]> {
    const { latest, superseded } = latestPerKey(items);
    const outcome = new Map<DecodedItem, PromiseSettledResult<WriteOutcome>>();
    let stored: Map<string, string>;
    try {
      stored = await this.storedSequences(latest);
    } catch (error) {
      return items.map(() => ({ status: "rejected", reason: error }));
    }
    const toWrite: DecodedItem[] = [];
    for (const item of latest) {
      const current = stored.get(item.keyId);
      if (current !== undefined && !isLaterSequence(item.sequenceNumber, current)) {
        outcome.set(item, { status: "fulfilled", value: "unchanged" });
      } else {
        toWrite.push(item);
      }
    }
    await mapBounded(chunk(toWrite, BATCH_WRITE_LIMIT), this.concurrency, async (group) => {
      for (const [item, result] of await this.writeChunk(group)) outcome.set(item, result);
    });
    return items.map((item) => {
      const winner = superseded.get(item);
      if (!winner) return outcome.get(item)!;
      // An older duplicate is safe to acknowledge only once the newer item is stored.
      const w = outcome.get(winner)!;
      return w.status === "fulfilled" ? { status: "fulfilled", value: "superseded" } : w;
    });
  }

  /** keyId -> stored sequence number, for the keys that have an item. */
  private async storedSequences(items: readonly DecodedItem[]): Promise<Map<string, string>> {
    const stored = new Map<string, string>();
    const keyIdOf = new Map(items.map((i) => [JSON.stringify(Object.values(i.key)), i.keyId]));
    const keyNames = items.length > 0 ? Object.keys(items[0].key) : [];
    await mapBounded(chunk(items, BATCH_GET_LIMIT), this.concurrency, async (group) => {
      let keys: Record<string, unknown>[] = group.map((i) => i.key);
      for (let attempt = 0; keys.length > 0; attempt++) {
        const response = await this.withRetry("BatchGetItem", attempt, () =>
          this.client.send(
            new BatchGetCommand({
              RequestItems: {
                [this.options.tableName]: {
                  Keys: keys,
                  ProjectionExpression: [...keyNames, SEQUENCE_ATTRIBUTE].map((_, n) => `#a${n}`).join(", "),
                  ExpressionAttributeNames: Object.fromEntries(
                    [...keyNames, SEQUENCE_ATTRIBUTE].map((name, n) => [`#a${n}`, name]),
                  ),
                },
              },
            }),
          ),
        );
        for (const found of response.Responses?.[this.options.tableName] ?? []) {
          const keyId = keyIdOf.get(JSON.stringify(keyNames.map((k) => found[k])));
          const seq = found[SEQUENCE_ATTRIBUTE];
          if (keyId !== undefined && typeof seq === "string") stored.set(keyId, seq);
        }
        keys = (response.UnprocessedKeys?.[this.options.tableName]?.Keys as Record<string, unknown>[]) ?? [];
        if (keys.length > 0) await this.pause(attempt, "BatchGetItem unprocessed keys");
      }
    });
    return stored;
  }

  /** One BatchWriteItem group, retrying unprocessed items; isolates items DynamoDB rejects. */
  private async writeChunk(group: DecodedItem[]): Promise<Map<DecodedItem, PromiseSettledResult<WriteOutcome>>> {
    const results = new Map<DecodedItem, PromiseSettledResult<WriteOutcome>>();
    let pending = group;
    try {
      for (let attempt = 0; pending.length > 0; attempt++) {
        const response = await this.withRetry("BatchWriteItem", attempt, () =>
          this.client.send(
            new BatchWriteCommand({
              RequestItems: { [this.options.tableName]: pending.map((i) => ({ PutRequest: { Item: i.item } })) },
            }),
          ),
        );
        const keyNames = Object.keys(pending[0].key);
        const unprocessed = new Set(
          (response.UnprocessedItems?.[this.options.tableName] ?? []).map((r) =>
            JSON.stringify(keyNames.map((k) => r.PutRequest?.Item?.[k])),
          ),
        );
        for (const item of pending) {
          if (!unprocessed.has(item.keyId)) results.set(item, { status: "fulfilled", value: "written" });
        }
        pending = pending.filter((i) => !results.has(i));
        if (pending.length > 0) await this.pause(attempt, `${pending.length} unprocessed items`);
      }
    } catch (error) {
      if ((error as { name?: string }).name === "ValidationException" && pending.length > 0) {
        // One bad item fails the whole call: write them one by one to find it.
        for (const [item, result] of await this.writeOneByOne(pending)) results.set(item, result);
      } else {
        for (const item of pending) results.set(item, { status: "rejected", reason: error });
      }
    }
    return results;
  }

  private async writeOneByOne(items: DecodedItem[]): Promise<Map<DecodedItem, PromiseSettledResult<WriteOutcome>>> {
    const results = new Map<DecodedItem, PromiseSettledResult<WriteOutcome>>();
    await mapBounded(items, this.concurrency, async (item) => {
      try {
        await this.withRetry("PutItem", 0, () =>
          this.client.send(new PutCommand({ TableName: this.options.tableName, Item: item.item })),
        );
        results.set(item, { status: "fulfilled", value: "written" });
      } catch (error) {
        const reason =
          (error as { name?: string }).name === "ValidationException"
            ? new PoisonRecordError("rejected-by-dynamodb", (error as Error).message)
            : error;
        results.set(item, { status: "rejected", reason });
      }
    });
    return results;
  }

  /** Calls `fn`, retrying DynamoDB overload errors with backoff until the deadline. */
  private async withRetry<T>(what: string, firstAttempt: number, fn: () => Promise<T>): Promise<T> {
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!RETRYABLE.has((error as { name?: string }).name ?? "")) throw error;
        await this.pause(attempt, `${what} throttled`);
      }
    }
  }

  private async pause(attempt: number, what: string): Promise<void> {
    const delay = backoffDelay(attempt, this.baseDelayMs, this.maxDelayMs, this.random);
    if (this.now() + delay > this.options.deadline) throw new DeadlineError(what);
    await this.sleep(delay);
  }
}
