import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { DecodedItem, ORDER_ATTRIBUTE, PoisonRecordError } from "./records";

/**
 * Exact, idempotent writes of many items.
 *
 * Every item carries its place in time (`_order`: original arrival time, then original sequence
 * number; a replay keeps its original ones). The newest record per key wins inside a batch, and
 * each write is a PutItem conditioned on the stored `_order` being older (or absent), so neither
 * a replay, a duplicate, nor a race between two writers of one key ever replaces a newer
 * version: DynamoDB decides, per item, atomically. BatchWriteItem takes no conditions, hence
 * PutItem, many in flight.
 *
 * Strategy `read-then-write` first reads the stored `_order`s with a strongly consistent
 * BatchGetItem and skips what is already current (fewer writes when replays dominate); the
 * write stays conditional, because the read alone leaves a race. bench/idempotency.ts compares
 * the two.
 */

export type WriteOutcome = "written" | "unchanged" | "superseded";
export type WriteStrategy = "conditional" | "read-then-write";

export interface WriterOptions {
  readonly tableName: string;
  /** Epoch ms after which no retry starts (the function's remaining time, minus a margin). */
  readonly deadline: number;
  /** Conditional writes alone, or a consistent read first. @default "conditional" */
  readonly strategy?: WriteStrategy;
  /** Calls in flight at once. @default 16 */
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

export const BATCH_GET_LIMIT = 100;

/** Error codes DynamoDB returns when it is overloaded: retry the same request later. */
export const RETRYABLE = new Set([
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

/** The newest item per key (by `_order`), and the older ones it supersedes. */
export function latestPerKey(items: readonly DecodedItem[]): { latest: DecodedItem[]; superseded: Map<DecodedItem, DecodedItem> } {
  const best = new Map<string, DecodedItem>();
  for (const item of items) {
    const current = best.get(item.keyId);
    if (!current || item.order > current.order) best.set(item.keyId, item);
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

/** The function's time ran short while DynamoDB was still throttling: the record is retried later. */
export class DeadlineError extends Error {
  constructor(what: string) {
    super(`out of time: ${what} still pending when the function's time ran short`);
    this.name = "DeadlineError";
  }
}

/** The condition of every write: nothing stored, or something older. */
const NEWER_THAN_STORED = "attribute_not_exists(#order) OR #order < :order";

/** Writes batches of decoded items idempotently; see the file comment. */
export class ItemWriter {
  private readonly strategy: WriteStrategy;
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
    this.strategy = options.strategy ?? "conditional";
    this.concurrency = options.concurrency ?? 16;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 2000;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
  }

  /**
   * Writes the items; returns one settled result per input item, in order. A rejected result
   * carries why: a PoisonRecordError (never writable), or the AWS error (see consume.ts).
   */
  async writeAll(items: readonly DecodedItem[]): Promise<PromiseSettledResult<WriteOutcome>[]> {
    const { latest, superseded } = latestPerKey(items);
    const outcome = new Map<DecodedItem, PromiseSettledResult<WriteOutcome>>();
    let toWrite = latest;
    if (this.strategy === "read-then-write") {
      let stored: Map<string, string>;
      try {
        stored = await this.storedOrders(latest);
      } catch (error) {
        return items.map(() => ({ status: "rejected", reason: error }));
      }
      toWrite = [];
      for (const item of latest) {
        const current = stored.get(item.keyId);
        if (current !== undefined && current >= item.order) outcome.set(item, { status: "fulfilled", value: "unchanged" });
        else toWrite.push(item);
      }
    }
    await mapBounded(toWrite, this.concurrency, async (item) => {
      outcome.set(item, await this.settle(() => this.putIfNewer(item)));
    });
    return items.map((item) => {
      const winner = superseded.get(item);
      if (!winner) return outcome.get(item)!;
      // An older duplicate is safe to acknowledge only once the newer item is stored.
      const w = outcome.get(winner)!;
      return w.status === "fulfilled" ? { status: "fulfilled", value: "superseded" } : w;
    });
  }

  private async settle(fn: () => Promise<WriteOutcome>): Promise<PromiseSettledResult<WriteOutcome>> {
    try {
      return { status: "fulfilled", value: await fn() };
    } catch (reason) {
      return { status: "rejected", reason };
    }
  }

  /** One conditional PutItem: "written", or "unchanged" when the stored version is as new or newer. */
  private async putIfNewer(item: DecodedItem): Promise<WriteOutcome> {
    try {
      await this.withRetry("PutItem", 0, () =>
        this.client.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: item.item,
            ConditionExpression: NEWER_THAN_STORED,
            ExpressionAttributeNames: { "#order": ORDER_ATTRIBUTE },
            ExpressionAttributeValues: { ":order": item.order },
          }),
        ),
      );
      return "written";
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === "ConditionalCheckFailedException") return "unchanged";
      // The item itself is refused (nesting, a value DynamoDB cannot hold): retrying cannot help.
      if (name === "ValidationException") throw new PoisonRecordError("schema-violation", `DynamoDB refused the item (${name})`);
      throw error;
    }
  }

  /** keyId -> stored `_order`, for the keys that have an item (strongly consistent reads). */
  private async storedOrders(items: readonly DecodedItem[]): Promise<Map<string, string>> {
    const stored = new Map<string, string>();
    const keyIdOf = new Map(items.map((i) => [JSON.stringify(Object.values(i.key)), i.keyId]));
    const keyNames = items.length > 0 ? Object.keys(items[0].key) : [];
    const projected = [...keyNames, ORDER_ATTRIBUTE];
    await mapBounded(chunk(items, BATCH_GET_LIMIT), this.concurrency, async (group) => {
      let keys: Record<string, unknown>[] = group.map((i) => i.key);
      for (let attempt = 0; keys.length > 0; attempt++) {
        const response = await this.withRetry("BatchGetItem", attempt, () =>
          this.client.send(
            new BatchGetCommand({
              RequestItems: {
                [this.options.tableName]: {
                  Keys: keys,
                  ConsistentRead: true,
                  ProjectionExpression: projected.map((_, n) => `#a${n}`).join(", "),
                  ExpressionAttributeNames: Object.fromEntries(projected.map((name, n) => [`#a${n}`, name])),
                },
              },
            }),
          ),
        );
        for (const found of response.Responses?.[this.options.tableName] ?? []) {
          const keyId = keyIdOf.get(JSON.stringify(keyNames.map((k) => found[k])));
          const order = found[ORDER_ATTRIBUTE];
          if (keyId !== undefined && typeof order === "string") stored.set(keyId, order);
        }
        keys = (response.UnprocessedKeys?.[this.options.tableName]?.Keys as Record<string, unknown>[]) ?? [];
        if (keys.length > 0) await this.pause(attempt, "BatchGetItem unprocessed keys");
      }
    });
    return stored;
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
