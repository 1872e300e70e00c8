import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { DecodedItem, decodeRecordWithOrigin, KeySchema, PoisonRecordError, RecordOrigin } from "./records";
import { DeadlineError, ItemWriter, RETRYABLE, WriteOutcome } from "./writer";
import { park, ParkingTarget } from "./park";

/**
 * Collects the items of one invocation and writes them together. The batch processor calls the
 * record handler for every record in the same tick (processInParallel), so one flush on the
 * next macrotask sees the whole batch and each record's promise settles with its own outcome.
 */
export class CoalescingBatch {
  private queue: Array<{ item: DecodedItem; resolve: (o: WriteOutcome) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly writer: Pick<ItemWriter, "writeAll">) {}

  add(item: DecodedItem): Promise<WriteOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.inFlight = this.flush();
        });
      }
    });
  }

  /**
   * Resolves once the writes of the records added in this tick have settled: two turns of the
   * event loop let every record handler add its item and the flush start, then it is awaited.
   */
  async afterFlush(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    await this.inFlight;
  }

  /** Settles every queued record: a writer that throws instead of settling rejects them all (never an unhandled rejection). */
  private async flush(): Promise<void> {
    const queued = this.queue;
    this.queue = [];
    this.scheduled = false;
    let results: PromiseSettledResult<WriteOutcome>[];
    try {
      results = await this.writer.writeAll(queued.map((q) => q.item));
    } catch (error) {
      for (const q of queued) q.reject(error);
      return;
    }
    results.forEach((r, i) => (r.status === "fulfilled" ? queued[i].resolve(r.value) : queued[i].reject(r.reason)));
  }
}

/** What a failure means for the record: park it, retry it, or fail the whole invocation. */
export type FailureClass = "permanent" | "transient" | "deployment";

/** Connection-level failures the SDK reports by code: the service may not have seen the call. */
const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND"]);

/**
 * Permanent: the record can never be written (parked at once). Transient: throttling, timeouts,
 * 5xx, the function's time running short (reported for retry). Everything else, AccessDenied,
 * a missing table, a KMS key refused, a failed park, or an error not known to be transient, is a
 * deployment failure: retrying a record cannot fix it, and parking would hide it.
 */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof PoisonRecordError) return "permanent";
  if (error instanceof DeadlineError) return "transient";
  const e = error as { name?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  if (RETRYABLE.has(e?.name ?? "")) return "transient";
  if (e?.name === "TimeoutError" || e?.name === "RequestTimeout" || e?.name === "RequestTimeoutException") return "transient";
  if (NETWORK_CODES.has(e?.code ?? "")) return "transient";
  // The SDK wraps some network failures ("socket hang up") in a plain Error that keeps only the message.
  if (/\b(socket hang up|ECONNRESET|EPIPE|ETIMEDOUT|TimeoutError)\b/.test((error as Error)?.message ?? "")) return "transient";
  if ((e?.$metadata?.httpStatusCode ?? 0) >= 500 || e?.$fault === "server") return "transient";
  return "deployment";
}

export interface ConsumerDeps {
  readonly writer: Pick<ItemWriter, "writeAll">;
  readonly schema: KeySchema;
  readonly parking: ParkingTarget;
  readonly logger: Pick<Logger, "warn" | "info" | "error">;
}

const processor = new BatchProcessor(EventType.KinesisDataStreams);

/** How a record is named in logs: ids and reasons, never payload values. */
function identify(origin: RecordOrigin, record: KinesisStreamRecord) {
  return {
    sequenceNumber: origin.sequenceNumber,
    shardId: origin.shardId,
    partitionKey: origin.partitionKey,
    ...(origin.sequenceNumber !== record.kinesis.sequenceNumber ? { replayedAs: record.kinesis.sequenceNumber } : {}),
  };
}

/**
 * Processes one Kinesis event: every good record is written; a record that can never be written
 * is parked with its payload and counts as handled; a record that failed transiently is reported
 * by sequence number, so the mapping retries it; a deployment failure throws, failing the whole
 * invocation (the Errors alarm fires and the shard waits for the fix).
 */
export async function processKinesisEvent(
  event: KinesisStreamEvent,
  context: Context,
  deps: ConsumerDeps,
): Promise<KinesisStreamBatchResponse> {
  const batch = new CoalescingBatch(deps.writer);
  const counts: Record<string, number> = { written: 0, unchanged: 0, superseded: 0, parked: 0, retry: 0 };
  let fatal: { error: unknown } | undefined;
  // The lowest sequence number reported for retry: Lambda re-delivers everything from there on.
  let lowestRetry: bigint | undefined;
  const handleRecord = async (record: KinesisStreamRecord): Promise<WriteOutcome | "parked"> => {
    const decoded = decodeRecordWithOrigin(record, deps.schema);
    const ids = identify(decoded.origin, record);
    try {
      if (decoded.error) throw decoded.error;
      const outcome = await batch.add(decoded.item!);
      counts[outcome]++;
      return outcome;
    } catch (error) {
      const failure = classifyFailure(error);
      if (failure === "permanent") {
        const poison = error as PoisonRecordError;
        // Park only once the batch's writes have settled: when the deployment is broken the
        // invocation fails and is retried whole, so parking now would park the record twice.
        await batch.afterFlush();
        if (fatal) throw fatal.error;
        if (lowestRetry !== undefined && BigInt(record.kinesis.sequenceNumber) > lowestRetry) {
          // Lambda re-delivers it with the retried record before it: parking it now would park
          // it again then. Reported too, it is parked once, on the delivery that gets past.
          counts.retry++;
          deps.logger.warn("poison record behind a retried one; parked on its next delivery", { ...ids, reason: poison.reason });
          throw error;
        }
        deps.logger.warn("record parked", { ...ids, reason: poison.reason, detail: poison.detail });
        try {
          await park(deps.parking, decoded.origin, poison.reason, poison.detail);
        } catch (parkError) {
          fatal ??= { error: parkError };
          deps.logger.error("record could not be parked", { ...ids, error: (parkError as Error).message });
          throw parkError;
        }
        counts.parked++;
        return "parked";
      }
      if (failure === "transient") {
        const sequence = BigInt(record.kinesis.sequenceNumber);
        if (lowestRetry === undefined || sequence < lowestRetry) lowestRetry = sequence;
        counts.retry++;
        deps.logger.warn("record not written; will be retried", { ...ids, reason: (error as Error).name });
        throw error;
      }
      fatal ??= { error };
      deps.logger.error("deployment failure; failing the invocation", { ...ids, reason: (error as Error).name, detail: (error as Error).message });
      throw error;
    }
  };
  const response = await processPartialResponse(event, handleRecord, processor, {
    context,
    throwOnFullBatchFailure: false,
  });
  deps.logger.info("batch processed", { records: event.Records.length, ...counts, failed: fatal !== undefined });
  if (fatal) throw fatal.error;
  return response as KinesisStreamBatchResponse;
}
