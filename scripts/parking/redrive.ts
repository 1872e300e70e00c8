/**
 * `npm run redrive`: for an SQS on-failure destination, whose messages are pointers without
 * payload. Each pointer's records are read back from the stream by sequence number (while the
 * stream still holds them) and parked with their payload; the pointer goes only once every record
 * of its batch is parked. A batch the stream no longer holds whole keeps its pointer.
 */
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { Message, SendMessageCommand } from "@aws-sdk/client-sqs";
import { OriginalRecord, ParkingPlan, planParking } from "./contract";
import { compareSequence, FailureRecord, KinesisBatchInfo, parseFailurePointer, streamNameOf } from "./lambda-failure-records";
import { deleteMessage, drainQueue } from "./queue";
import { Clients } from "./resources";
import { ARRIVED_DURING_RUN, RunOptions, Summary } from "./summary";

export const FAILURE_QUEUE = "failure queue";

export const Outcome = {
  REDRIVEN: "redriven",
  WOULD_REDRIVE: "would redrive (dry run)",
  NOT_IN_STREAM: "kept: records no longer in the stream",
  UNREADABLE: "kept: unreadable",
  PARK_FAILED: "kept: parking failed",
  NOT_REMOVED: "parked but pointer not removed (a rerun parks it again)",
} as const;
const PROBLEMS: string[] = Object.values(Outcome).filter((o) => o !== Outcome.REDRIVEN && o !== Outcome.WOULD_REDRIVE);
export const RECORDS_PARKED = "records parked";
export const RECORDS_WOULD_PARK = "records would park";

export interface RedriveOptions extends RunOptions {
  failureQueueUrl: string;
  queueUrl: string;
  /** The failure bucket, for payloads too large for a parking message (parked/ prefix). */
  bucket?: string;
  /** The clock stamping parkedAt. */
  now?: () => Date;
}

/** Records read by GetRecords, as the stream holds them. */
export type StreamRecord = OriginalRecord;

/** Why the records read back are not exactly the pointer's batch, or undefined when they are. */
export function batchProblem(batch: KinesisBatchInfo, records: StreamRecord[]): string | undefined {
  const range = `${batch.shardId} ${batch.startSequenceNumber}..${batch.endSequenceNumber}`;
  if (records.length === 0) return `no record of ${range} is in the stream (expired past its retention, or another stream?)`;
  if (records[0].sequenceNumber !== batch.startSequenceNumber) {
    return `the first record of ${range} is no longer in the stream (expired past its retention?): it begins at ${records[0].sequenceNumber}`;
  }
  if (records[records.length - 1].sequenceNumber !== batch.endSequenceNumber) return `the stream ends before the last record of ${range}`;
  if (records.length !== batch.batchSize) return `${range} holds ${records.length} records in the stream, the pointer says ${batch.batchSize}`;
  return undefined;
}

/**
 * Reads the records from startSequenceNumber to endSequenceNumber of the pointer's shard
 * (GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords until past the end or at the shard's tip).
 */
export async function readBatch(kinesis: KinesisClient, batch: KinesisBatchInfo): Promise<StreamRecord[]> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: streamNameOf(batch.streamArn),
      ShardId: batch.shardId,
      ShardIteratorType: "AT_SEQUENCE_NUMBER",
      StartingSequenceNumber: batch.startSequenceNumber,
    }),
  );
  const records: StreamRecord[] = [];
  let iterator = ShardIterator;
  while (iterator) {
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    for (const r of out.Records ?? []) {
      if (compareSequence(r.SequenceNumber!, batch.endSequenceNumber) > 0) return records;
      if (compareSequence(r.SequenceNumber!, batch.startSequenceNumber) < 0) continue;
      records.push({
        partitionKey: r.PartitionKey!,
        shardId: batch.shardId,
        sequenceNumber: r.SequenceNumber!,
        approximateArrivalTimestamp: r.ApproximateArrivalTimestamp!.getTime() / 1000,
        payload: Buffer.from(r.Data!),
      });
    }
    if (records.length >= batch.batchSize && records[records.length - 1].sequenceNumber === batch.endSequenceNumber) return records;
    // Nothing more to read: the iterator is at the shard's tip (or the shard is closed).
    if ((out.Records ?? []).length === 0 && (out.MillisBehindLatest ?? 0) === 0) return records;
    iterator = out.NextShardIterator;
  }
  return records;
}

export async function redrive(clients: Clients, options: RedriveOptions): Promise<Summary> {
  const { sqs, s3, kinesis } = clients;
  const summary = new Summary(options.dryRun ? "redrive (dry run)" : "redrive", PROBLEMS);
  const progress = options.progress ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const source = FAILURE_QUEUE;
  const report = (message: Message, outcome: string, why: string) => {
    summary.add(source, outcome);
    const loud = PROBLEMS.includes(outcome) ? "!! " : "";
    progress(`${loud}${source}: pointer ${message.MessageId} ${outcome}${why ? `: ${why}` : ""}`);
  };

  const park = async (plan: ParkingPlan): Promise<void> => {
    // The object first: a parking message never points at a missing object.
    if (plan.object) await s3.send(new PutObjectCommand({ Bucket: plan.object.bucket, Key: plan.object.key, Body: plan.object.body }));
    await sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: plan.body }));
  };

  const { received, late, releaseErrors } = await drainQueue(sqs, options.failureQueueUrl, options, async (messages) => {
    const kept: Message[] = [];
    for (const message of messages) {
      let pointer: FailureRecord;
      try {
        pointer = parseFailurePointer(message.Body ?? "");
      } catch (e) {
        report(message, Outcome.UNREADABLE, (e as Error).message);
        kept.push(message);
        continue;
      }
      let records: StreamRecord[];
      try {
        records = await readBatch(kinesis, pointer.batch);
      } catch (e) {
        // GetShardIterator refuses a sequence number (or shard) the stream does not hold.
        records = [];
        progress(`${source}: reading ${pointer.batch.shardId} from ${pointer.batch.startSequenceNumber}: ${(e as Error).name}: ${(e as Error).message}`);
      }
      const problem = batchProblem(pointer.batch, records);
      if (problem) {
        report(message, Outcome.NOT_IN_STREAM, problem);
        kept.push(message);
        continue;
      }
      const detail = `Lambda discarded the batch (${pointer.condition ?? "no condition given"}) with an SQS on-failure destination; read back from the stream by redrive`;
      const parkedAt = now().toISOString();
      let plans: ParkingPlan[];
      try {
        plans = records.map((r) => planParking(r, { reason: "redriven", detail, streamArn: pointer.batch.streamArn, parkedAt, bucket: options.bucket }));
      } catch (e) {
        report(message, Outcome.PARK_FAILED, (e as Error).message);
        kept.push(message);
        continue;
      }
      if (options.dryRun) {
        summary.add(source, RECORDS_WOULD_PARK, plans.length);
        report(message, Outcome.WOULD_REDRIVE, `${plans.length} records`);
        kept.push(message);
        continue;
      }
      try {
        for (const plan of plans) await park(plan);
      } catch (e) {
        report(message, Outcome.PARK_FAILED, `${(e as Error).name}: ${(e as Error).message}`);
        kept.push(message);
        continue;
      }
      summary.add(source, RECORDS_PARKED, plans.length);
      try {
        await deleteMessage(sqs, options.failureQueueUrl, message);
        report(message, Outcome.REDRIVEN, `${plans.length} records parked`);
      } catch (e) {
        report(message, Outcome.NOT_REMOVED, (e as Error).message);
      }
    }
    return kept;
  });
  if (late > 0) summary.add(source, ARRIVED_DURING_RUN, late);
  progress(`${source}: ${received} pointers read${late > 0 ? `, ${late} of them sent during this run` : ""}`);
  releaseErrors.forEach((line) => progress(`${source}: ${line}`));
  return summary;
}
