/**
 * `npm run replay-parked`: puts parked records back into the stream, each wrapped in the replay
 * envelope with its original partition key, and removes an entry (parking message with its
 * parked/ object, Lambda on-failure object) only once Kinesis acknowledged every record it holds.
 */
import { DescribeStreamSummaryCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Message } from "@aws-sdk/client-sqs";
import { KINESIS_MAX_RECORD_BYTES, OriginalRecord, originalOf, parkedRecord, parseParkingMessage, replayEnvelopeBytes } from "./contract";
import { PendingRecord, putAcknowledged, PutOptions, recordBytes } from "./kinesis-put";
import { LAMBDA_FAILURE_PREFIX, parseS3FailureObject } from "./lambda-failure-records";
import { deleteMessage, drainQueue } from "./queue";
import { Clients } from "./resources";
import { ARRIVED_DURING_RUN, RunOptions, Summary } from "./summary";

export const PARKING_QUEUE = "parking queue";
export const FAILURE_BUCKET = "failure bucket";

/** Outcomes per entry. Every one but REPLAYED and WOULD_REPLAY leaves the entry in place. */
export const Outcome = {
  REPLAYED: "replayed",
  WOULD_REPLAY: "would replay (dry run)",
  NOT_ACKNOWLEDGED: "kept: not acknowledged by Kinesis",
  UNREADABLE: "kept: unreadable",
  TOO_LARGE: "kept: envelope above the Kinesis record limit",
  NOT_REMOVED: "replayed but not removed (a rerun puts it again)",
} as const;
const PROBLEMS = Object.values(Outcome).filter((o) => o !== Outcome.REPLAYED && o !== Outcome.WOULD_REPLAY);
/** Records counted apart from entries: an on-failure object holds a whole batch. */
export const RECORDS_REPLAYED = "records replayed";
export const RECORDS_WOULD_REPLAY = "records would replay";

export interface ReplayOptions extends RunOptions {
  queueUrl: string;
  /** The failure bucket, whose aws/lambda/ objects are Lambda's S3 on-failure records. */
  bucket: string;
  stream: string;
  put?: PutOptions;
  /** The stream's record limit in bytes; read from the stream when not given. */
  maxRecordBytes?: number;
}

/** The stream record replaying `record`: its original partition key, the envelope as data. */
export function replayRecordOf<E>(entry: E, record: OriginalRecord): PendingRecord<E> {
  return { entry, partitionKey: record.partitionKey, data: replayEnvelopeBytes(originalOf(record)) };
}

/**
 * Why a record cannot be put, if it cannot. The envelope carries the payload in base64, 4/3 of its
 * size: a record above about 768 KiB that filled a 1 MiB stream needs a stream with a larger
 * record limit (UpdateMaxRecordSize) before it can be replayed.
 */
export function tooLargeForStream(record: PendingRecord<unknown>, maxRecordBytes: number): string | undefined {
  const bytes = recordBytes(record);
  return bytes > maxRecordBytes ? `its envelope and partition key take ${bytes} bytes, above the stream's ${maxRecordBytes}-byte record limit` : undefined;
}

/** The stream's record limit: MaxRecordSizeInKiB where the stream reports one, else Kinesis's default 1 MiB. */
export async function streamRecordLimit(kinesis: KinesisClient, stream: string): Promise<number> {
  const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  const kib = out.StreamDescriptionSummary?.MaxRecordSizeInKiB;
  return kib ? kib * 1024 : KINESIS_MAX_RECORD_BYTES;
}

async function readObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

export async function replayParked(clients: Clients, options: ReplayOptions): Promise<Summary> {
  const summary = new Summary(options.dryRun ? "replay-parked (dry run)" : "replay-parked", PROBLEMS);
  const progress = options.progress ?? (() => undefined);
  const maxRecordBytes = options.maxRecordBytes ?? (await streamRecordLimit(clients.kinesis, options.stream));
  const resolved = { ...options, maxRecordBytes };
  await replayParkingQueue(clients, resolved, summary, progress);
  await replayFailureObjects(clients, resolved, summary, progress);
  return summary;
}

type Resolved = ReplayOptions & { maxRecordBytes: number };

async function replayParkingQueue(clients: Clients, options: Resolved, summary: Summary, progress: (line: string) => void): Promise<void> {
  const { sqs, s3, kinesis } = clients;
  const source = PARKING_QUEUE;
  const keep = (message: Message, outcome: string, why: string, kept: Message[]) => {
    summary.add(source, outcome);
    progress(`${source}: message ${message.MessageId} ${outcome}${why ? `: ${why}` : ""}`);
    kept.push(message);
  };
  const { received, late, releaseErrors } = await drainQueue(sqs, options.queueUrl, options, async (messages) => {
    const kept: Message[] = [];
    const ready: Array<{ message: Message; object?: { bucket: string; key: string }; record: PendingRecord<Message> }> = [];
    for (const message of messages) {
      let record: PendingRecord<Message>;
      let object: { bucket: string; key: string } | undefined;
      try {
        const parked = parseParkingMessage(message.Body ?? "");
        // The parked/ object lives in the failure bucket; the message names it in full.
        const payload = parked.payload !== undefined ? Buffer.from(parked.payload, "base64") : await readObject(s3, parked.payloadObject!.bucket, parked.payloadObject!.key);
        object = parked.payloadObject;
        record = replayRecordOf(message, parkedRecord(parked, payload));
      } catch (e) {
        keep(message, Outcome.UNREADABLE, (e as Error).message, kept);
        continue;
      }
      const tooLarge = tooLargeForStream(record, options.maxRecordBytes);
      if (tooLarge) keep(message, Outcome.TOO_LARGE, tooLarge, kept);
      else if (options.dryRun) {
        summary.add(source, RECORDS_WOULD_REPLAY);
        keep(message, Outcome.WOULD_REPLAY, "", kept);
      } else ready.push({ message, object, record });
    }
    const unacknowledged = await putAcknowledged(kinesis, options.stream, ready.map((r) => r.record), options.put);
    for (const { message, object } of ready) {
      const error = unacknowledged.get(message);
      if (error) {
        keep(message, Outcome.NOT_ACKNOWLEDGED, error, kept);
        continue;
      }
      try {
        await deleteMessage(sqs, options.queueUrl, message);
        // The object goes after its message: a message never points at a missing object.
        if (object) await s3.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key }));
        summary.add(source, Outcome.REPLAYED);
        summary.add(source, RECORDS_REPLAYED);
      } catch (e) {
        summary.add(source, Outcome.NOT_REMOVED);
        progress(`${source}: message ${message.MessageId} ${Outcome.NOT_REMOVED}: ${(e as Error).message}`);
      }
    }
    progress(`${source}: ${summary.count(source, RECORDS_REPLAYED)} replayed so far`);
    return kept;
  });
  if (late > 0) summary.add(source, ARRIVED_DURING_RUN, late);
  progress(`${source}: ${received} messages read${late > 0 ? `, ${late} of them parked during this run (is the cause fixed?)` : ""}`);
  releaseErrors.forEach((line) => progress(`${source}: ${line}`));
}

async function replayFailureObjects(clients: Clients, options: Resolved, summary: Summary, progress: (line: string) => void): Promise<void> {
  const { s3, kinesis } = clients;
  const source = FAILURE_BUCKET;
  const report = (key: string, outcome: string, why = "") => {
    summary.add(source, outcome);
    progress(`${source}: ${key} ${outcome}${why ? `: ${why}` : ""}`);
  };
  // As with the queue: an object Lambda writes while the run goes on waits for the next run.
  const startedAt = Date.now();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: options.bucket, Prefix: LAMBDA_FAILURE_PREFIX, ContinuationToken: token }));
    for (const { Key: key, LastModified: written } of page.Contents ?? []) {
      if (written && written.getTime() > startedAt) {
        report(key!, ARRIVED_DURING_RUN);
        continue;
      }
      let records: PendingRecord<string>[];
      try {
        const failure = parseS3FailureObject((await readObject(s3, options.bucket, key!)).toString("utf8"));
        records = failure.records.map((r) => replayRecordOf(key!, r));
      } catch (e) {
        report(key!, Outcome.UNREADABLE, (e as Error).message);
        continue;
      }
      // No record of an object is put unless all of them can be: it is removed whole or kept whole.
      const tooLarge = records.map((r) => tooLargeForStream(r, options.maxRecordBytes)).find((why) => why !== undefined);
      if (tooLarge) {
        report(key!, Outcome.TOO_LARGE, `a record: ${tooLarge}`);
        continue;
      }
      if (options.dryRun) {
        summary.add(source, RECORDS_WOULD_REPLAY, records.length);
        report(key!, Outcome.WOULD_REPLAY, `${records.length} records`);
        continue;
      }
      const unacknowledged = await putAcknowledged(kinesis, options.stream, records, options.put);
      if (unacknowledged.size > 0) {
        report(key!, Outcome.NOT_ACKNOWLEDGED, unacknowledged.get(key!)!);
        continue;
      }
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
        summary.add(source, RECORDS_REPLAYED, records.length);
        report(key!, Outcome.REPLAYED, `${records.length} records`);
      } catch (e) {
        report(key!, Outcome.NOT_REMOVED, (e as Error).message);
      }
    }
    token = page.NextContinuationToken;
  } while (token);
}
