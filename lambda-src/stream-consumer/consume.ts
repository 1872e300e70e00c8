import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { DecodedItem, decodeRecord, KeySchema, PoisonRecordError } from "./records";
import { ItemWriter, WriteOutcome } from "./writer";

/**
 * Collects the items of one invocation and writes them together. The batch processor calls the
 * record handler for every record in the same tick (processInParallel), so one flush on the
 * next macrotask sees the whole batch and each record's promise settles with its own outcome.
 */
export class CoalescingBatch {
  private queue: Array<{ item: DecodedItem; resolve: (o: WriteOutcome) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly writer: Pick<ItemWriter, "writeAll">) {}

  add(item: DecodedItem): Promise<WriteOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const queued = this.queue;
    this.queue = [];
    this.scheduled = false;
    const results = await this.writer.writeAll(queued.map((q) => q.item));
    results.forEach((r, i) => (r.status === "fulfilled" ? queued[i].resolve(r.value) : queued[i].reject(r.reason)));
  }
}

export interface ConsumerDeps {
  readonly writer: Pick<ItemWriter, "writeAll">;
  readonly schema: KeySchema;
  readonly logger: Pick<Logger, "warn" | "info" | "error">;
}

const processor = new BatchProcessor(EventType.KinesisDataStreams);

/**
 * Processes one Kinesis event: every good record is written; each record that cannot be written
 * now (poison, or out of time) is reported by sequence number, so the event source mapping
 * retries it, bisects the batch, and finally sends it to the on-failure destination.
 */
export async function processKinesisEvent(
  event: KinesisStreamEvent,
  context: Context,
  deps: ConsumerDeps,
): Promise<KinesisStreamBatchResponse> {
  const batch = new CoalescingBatch(deps.writer);
  const counts: Record<string, number> = { written: 0, unchanged: 0, superseded: 0, poison: 0, retry: 0 };
  const handleRecord = async (record: KinesisStreamRecord): Promise<WriteOutcome> => {
    try {
      const outcome = await batch.add(decodeRecord(record, deps.schema));
      counts[outcome]++;
      return outcome;
    } catch (error) {
      const poison = error instanceof PoisonRecordError;
      counts[poison ? "poison" : "retry"]++;
      // Identify the record, never its payload.
      deps.logger.warn(poison ? "poison record" : "record not written; will be retried", {
        sequenceNumber: record.kinesis.sequenceNumber,
        partitionKey: record.kinesis.partitionKey,
        shard: record.eventID.split(":")[0],
        reason: poison ? error.reason : (error as Error).name,
        detail: (error as Error).message,
      });
      throw error;
    }
  };
  const response = await processPartialResponse(event, handleRecord, processor, {
    context,
    throwOnFullBatchFailure: false,
  });
  deps.logger.info("batch processed", { records: event.Records.length, ...counts });
  return response as KinesisStreamBatchResponse;
}
