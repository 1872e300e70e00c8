/**
 * A stand-in for the Lambda event source mapping (ESM) poller of a Kinesis data stream.
 *
 * moto stores event source mappings but never runs them, so the end-to-end test uses this class to
 * play Lambda's part: read the stream, invoke the function with Lambda-shaped events, and apply
 * the mapping's error handling. Everything it does is driven by the mapping as read back from the
 * emulator (GetEventSourceMapping), never by what the test hopes was deployed.
 *
 * AWS documentation pages followed (AWS Lambda Developer Guide unless noted):
 * - "Using Lambda with Kinesis Data Streams" / "Lambda parameters for Amazon Kinesis Data Streams
 *   event source mappings": event shape, batching, defaults (-1 = infinite for retries and age).
 * - "How Lambda processes records from stream and queue-based event sources": batching window,
 *   batch size, the 6 MB synchronous-invocation payload limit, starting positions.
 * - "Configuring partial batch response with Kinesis Data Streams and Lambda"
 *   (services-kinesis-batchfailurereporting): ReportBatchItemFailures semantics.
 * - "Retain discarded batch records for a Kinesis Data Streams event source in Lambda"
 *   (kinesis-on-failure-destination): retries, BisectBatchOnFunctionError, MaximumRecordAgeInSeconds,
 *   on-failure destinations, the invocation record and the S3 object key.
 * - Lambda API reference "EventSourceMappingConfiguration" and "OnFailure".
 *
 * Deliberate simplifications (a test harness, not a service):
 * - No real time passes: retries are immediate (no backoff sleeps) and a batching window never
 *   waits; it only lets a batch grow across GetRecords calls until the shard is caught up.
 * - Shards are processed one after another, parents before children; ParallelizationFactor is
 *   treated as 1 (ordering per shard is kept, which is what the mapping guarantees anyway).
 * - A mapping that would retry forever (MaximumRetryAttempts -1 and a record that never ages out)
 *   blocks its shard in AWS until the record leaves the stream; here that trips a safety limit.
 */
import { randomUUID } from "crypto";

import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  Shard,
  ShardIteratorType,
  _Record,
} from "@aws-sdk/client-kinesis";
import type { EventSourceMappingConfiguration } from "@aws-sdk/client-lambda";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";

// ---------------------------------------------------------------------------------------------
// Settings read back from the deployed mapping
// ---------------------------------------------------------------------------------------------

export type StartingPosition = "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP";

export interface EventSourceMappingSettings {
  uuid: string;
  eventSourceArn: string;
  functionArn: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  startingPosition: StartingPosition;
  startingPositionTimestamp?: Date;
  bisectBatchOnFunctionError: boolean;
  /** -1 = infinite: retried until the record expires from the stream. */
  maximumRetryAttempts: number;
  /** -1 = infinite: Lambda never discards a record for its age. */
  maximumRecordAgeInSeconds: number;
  functionResponseTypes: string[];
  onFailureDestinationArn?: string;
  enabled: boolean;
}

const STARTING_POSITIONS: readonly StartingPosition[] = ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"];

// ESM states in which Lambda polls, or is about to ("EventSourceMappingConfiguration" State).
const POLLING_STATES = new Set(["Enabled", "Enabling", "Creating", "Updating"]);
const STOPPED_STATES = new Set(["Disabled", "Disabling", "Deleting"]);

function present<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`missing ${what}`);
  return value;
}

function required<T>(value: T | undefined | null, field: string): T {
  return present(value, `${field} in the event source mapping: the poller cannot tell how the deployed mapping behaves`);
}

function stateToEnabled(state: string): boolean {
  if (POLLING_STATES.has(state)) return true;
  if (STOPPED_STATES.has(state)) return false;
  throw new Error(`event source mapping State "${state}" is not one the poller understands`);
}

/**
 * Refuses mapping features this poller does not emulate, so a test never passes against
 * behaviour the real mapping would not have.
 */
function rejectUnemulatedFeatures(config: EventSourceMappingConfiguration): void {
  if ((config.FilterCriteria?.Filters ?? []).length > 0) {
    throw new Error("event source mapping has FilterCriteria, which the poller does not emulate");
  }
  if ((config.TumblingWindowInSeconds ?? 0) > 0) {
    throw new Error("event source mapping has TumblingWindowInSeconds, which the poller does not emulate");
  }
}

/**
 * Maps @aws-sdk/client-lambda's GetEventSourceMappingCommandOutput (or any
 * EventSourceMappingConfiguration) to settings; throws naming the missing field.
 *
 * AWS always returns the error-handling fields for a Kinesis mapping (with their defaults), so a
 * missing one means the emulator did not record it and we cannot know the deployed behaviour.
 * The exceptions are optional by nature: FunctionResponseTypes (AWS returns [] when unset),
 * DestinationConfig, and StartingPositionTimestamp (only for AT_TIMESTAMP).
 */
export function mappingSettings(config: EventSourceMappingConfiguration): EventSourceMappingSettings {
  rejectUnemulatedFeatures(config);
  const eventSourceArn = required(config.EventSourceArn, "EventSourceArn");
  if (!/^arn:[^:]+:kinesis:[^:]+:\d{12}:stream\/[^/]+$/.test(eventSourceArn)) {
    throw new Error(`EventSourceArn ${eventSourceArn} is not a Kinesis data stream ARN`);
  }
  const startingPosition = required(config.StartingPosition, "StartingPosition") as StartingPosition;
  if (!STARTING_POSITIONS.includes(startingPosition)) {
    throw new Error(`StartingPosition ${startingPosition} is not valid for Kinesis`);
  }
  const settings: EventSourceMappingSettings = {
    uuid: required(config.UUID, "UUID"),
    eventSourceArn,
    functionArn: required(config.FunctionArn, "FunctionArn"),
    batchSize: required(config.BatchSize, "BatchSize"),
    maximumBatchingWindowInSeconds: required(config.MaximumBatchingWindowInSeconds, "MaximumBatchingWindowInSeconds"),
    startingPosition,
    bisectBatchOnFunctionError: required(config.BisectBatchOnFunctionError, "BisectBatchOnFunctionError"),
    maximumRetryAttempts: required(config.MaximumRetryAttempts, "MaximumRetryAttempts"),
    maximumRecordAgeInSeconds: required(config.MaximumRecordAgeInSeconds, "MaximumRecordAgeInSeconds"),
    functionResponseTypes: [...(config.FunctionResponseTypes ?? [])],
    enabled: stateToEnabled(required(config.State, "State")),
  };
  if (startingPosition === "AT_TIMESTAMP") {
    settings.startingPositionTimestamp = required(config.StartingPositionTimestamp, "StartingPositionTimestamp");
  }
  const destination = config.DestinationConfig?.OnFailure?.Destination;
  if (destination) settings.onFailureDestinationArn = destination;
  return settings;
}

// ---------------------------------------------------------------------------------------------
// Public poller interface
// ---------------------------------------------------------------------------------------------

/**
 * What a synchronous invocation returned. `payload` is the function's response, already parsed
 * from JSON (undefined or null when the handler returned nothing). A failed outcome is a function
 * error (Invoke's FunctionError "Unhandled"). requestId/executedVersion, when known, end up in the
 * on-failure invocation record.
 */
export type InvokeOutcome =
  | { ok: true; payload: unknown; requestId?: string; executedVersion?: string }
  | { ok: false; errorType: string; errorMessage: string; requestId?: string; executedVersion?: string };

export interface PollerDeps {
  kinesis: KinesisClient;
  sqs?: SQSClient;
  sns?: SNSClient;
  s3?: S3Client;
  invoke(event: KinesisStreamEvent): Promise<InvokeOutcome>;
  /** Clock for record age and failure timestamps; tests move it instead of sleeping. */
  now?: () => Date;
  log?: (line: string) => void;
  /** The function's execution role: Lambda puts it in every record's invokeIdentityArn. */
  functionRoleArn?: string;
  /**
   * Safety valve for MaximumRetryAttempts -1: AWS retries such a batch until its records expire
   * from the stream (blocking the shard); here a batch retried this many times throws. Default 1000.
   */
  infiniteRetryLimit?: number;
}

export interface OnFailureReport {
  condition: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  /** Where the invocation record went; undefined means the records were discarded. */
  destination?: string;
}

export interface PollSummary {
  invocations: number;
  /** Records the function processed successfully (checkpointed as a success). */
  recordsDelivered: number;
  onFailure: OnFailureReport[];
  /** Records dropped without trace: retries or age exhausted and no on-failure destination. */
  discarded: number;
  /**
   * Records the function reported in batchItemFailures while ReportBatchItemFailures is off:
   * Lambda ignores the list, counts the batch as a success and never retries them.
   */
  ignoredBatchItemFailures: number;
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

/** Records of one shard that are retried, split or given up on together. */
interface PendingBatch {
  records: _Record[];
  /** Retries already spent on these records; bisecting does not spend any. */
  retries: number;
  /** Invocations that contained these records, for approximateInvokeCount. */
  invokeCount: number;
  lastOutcome?: InvokeOutcome;
}

/** How Lambda reads one invocation's result ("services-kinesis-batchfailurereporting"). */
type BatchVerdict =
  | { kind: "success"; ignoredFailures: number }
  | { kind: "partial"; firstFailedIndex: number }
  | { kind: "failure"; reason: string };

// The synchronous-invocation payload limit ("Lambda quotas"; BatchSize in the API reference).
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
// Kinesis may answer empty before the iterator reaches the tip; give up after this many in a row.
const MAX_EMPTY_READS = 50;

function regionOf(arn: string): string {
  return arn.split(":")[3];
}

function compareSequence(a: string, b: string): number {
  // Kinesis sequence numbers are decimal strings up to 128 bits: compare them as integers.
  const diff = BigInt(a) - BigInt(b);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

/** Parents first, so a child shard is read only after the records of its parent ("resharding"). */
function parentsFirst(shards: Shard[]): Shard[] {
  const byId = new Map(shards.map((s) => [s.ShardId!, s]));
  const ordered: Shard[] = [];
  const seen = new Set<string>();
  const visit = (shard: Shard): void => {
    if (seen.has(shard.ShardId!)) return;
    seen.add(shard.ShardId!);
    for (const parentId of [shard.ParentShardId, shard.AdjacentParentShardId]) {
      const parent = parentId ? byId.get(parentId) : undefined;
      if (parent) visit(parent);
    }
    ordered.push(shard);
  };
  shards.forEach(visit);
  return ordered;
}

function isoMillis(date: Date): string {
  return date.toISOString(); // e.g. 2019-11-14T00:38:04.835Z, as in the documented example
}

/** "aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>" (kinesis-on-failure-destination). */
export function s3FailureObjectKey(uuid: string, shardId: string, at: Date): string {
  const iso = at.toISOString(); // UTC
  const [yyyy, mm, dd] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const time = iso.slice(11, 19).replace(/:/g, ".");
  return `aws/lambda/${uuid}/${shardId}/${yyyy}/${mm}/${dd}/${yyyy}-${mm}-${dd}T${time}-${randomUUID()}`;
}

/** The version Lambda reports as executedVersion: the qualifier when it is a version number. */
function executedVersionOf(functionArn: string): string {
  const qualifier = functionArn.split(":")[7];
  return qualifier && /^\d+$/.test(qualifier) ? qualifier : "$LATEST";
}

/** Reads one shard from a position, handing out batches as Lambda would build them. */
class ShardReader {
  private iterator: string | undefined;
  private buffer: _Record[] = [];
  private caughtUp = false;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamArn: string,
    iterator: string,
  ) {
    this.iterator = iterator;
  }

  /** Where the next read would start, for the next drain when nothing was checkpointed. */
  get position(): string | undefined {
    return this.iterator;
  }

  /**
   * The next batch, or [] once the shard is caught up. Without a batching window Lambda invokes
   * with whatever one read returned; with one it keeps gathering until the batch is full or (here)
   * nothing is left to read, since we never actually wait for the window to pass.
   */
  async nextBatch(batchSize: number, batchingWindowSeconds: number): Promise<_Record[]> {
    if (this.buffer.length === 0) await this.read(batchSize);
    while (batchingWindowSeconds > 0 && this.buffer.length < batchSize && !this.caughtUp) {
      await this.read(batchSize - this.buffer.length);
    }
    return this.takeWithinPayloadLimit(batchSize);
  }

  private takeWithinPayloadLimit(batchSize: number): _Record[] {
    let bytes = 0;
    let count = 0;
    for (const record of this.buffer.slice(0, batchSize)) {
      // base64 grows data by 4/3; 512 bytes covers the JSON envelope of one event record.
      bytes += Math.ceil(((record.Data?.length ?? 0) * 4) / 3) + 512;
      if (count > 0 && bytes > MAX_PAYLOAD_BYTES) break;
      count++;
    }
    return this.buffer.splice(0, count);
  }

  private async read(limit: number): Promise<void> {
    this.caughtUp = false;
    for (let empty = 0; this.iterator && empty < MAX_EMPTY_READS; empty++) {
      const page = await this.kinesis.send(
        new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit, StreamARN: this.streamArn }),
      );
      this.iterator = page.NextShardIterator; // undefined once a closed shard is fully read
      const records = page.Records ?? [];
      if (records.length > 0) {
        this.buffer.push(...records);
        return;
      }
      // An empty page at the tip of the shard means we are caught up.
      if ((page.MillisBehindLatest ?? 0) === 0) break;
    }
    this.caughtUp = true;
  }
}

// ---------------------------------------------------------------------------------------------
// The poller
// ---------------------------------------------------------------------------------------------

export class KinesisPoller {
  /** Per shard: sequence number of the last record Lambda is done with (the checkpoint). */
  private readonly checkpoints = new Map<string, string>();
  /** Per shard with no checkpoint yet: an iterator at the mapping's starting position. */
  private readonly startIterators = new Map<string, string>();
  private started = false;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;

  constructor(
    private readonly settings: EventSourceMappingSettings,
    private readonly deps: PollerDeps,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.log = deps.log ?? (() => undefined);
  }

  private get reportsBatchItemFailures(): boolean {
    return this.settings.functionResponseTypes.includes("ReportBatchItemFailures");
  }

  /**
   * Pins the starting position, as a mapping does when it is enabled. With LATEST, records put
   * before this call are never read; drain() calls it on first use if the caller did not.
   */
  async start(): Promise<void> {
    if (this.started || !this.settings.enabled) return;
    for (const shard of await this.listShards()) {
      this.startIterators.set(shard.ShardId!, await this.startingIterator(shard.ShardId!));
    }
    this.started = true;
  }

  /**
   * Reads every shard from its checkpoint (or the starting position) until it is caught up,
   * invoking, retrying, bisecting and sending on-failure records as Lambda does.
   */
  async drain(): Promise<PollSummary> {
    const summary: PollSummary = { invocations: 0, recordsDelivered: 0, onFailure: [], discarded: 0, ignoredBatchItemFailures: 0 };
    if (!this.settings.enabled) {
      // "Enabled: false" pauses polling and invocation (CreateEventSourceMapping).
      this.log(`mapping ${this.settings.uuid} is disabled: not polling`);
      return summary;
    }
    await this.start();
    for (const shard of parentsFirst(await this.listShards())) {
      await this.drainShard(shard.ShardId!, summary);
    }
    return summary;
  }

  // --- reading ---------------------------------------------------------------------------------

  private async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.deps.kinesis.send(
        NextToken ? new ListShardsCommand({ NextToken }) : new ListShardsCommand({ StreamARN: this.settings.eventSourceArn }),
      );
      shards.push(...(page.Shards ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return shards;
  }

  private async shardIterator(shardId: string, type: ShardIteratorType, extra: { StartingSequenceNumber?: string; Timestamp?: Date } = {}): Promise<string> {
    const out = await this.deps.kinesis.send(
      new GetShardIteratorCommand({ StreamARN: this.settings.eventSourceArn, ShardId: shardId, ShardIteratorType: type, ...extra }),
    );
    return present(out.ShardIterator, "ShardIterator in the GetShardIterator response");
  }

  private startingIterator(shardId: string): Promise<string> {
    const { startingPosition, startingPositionTimestamp } = this.settings;
    if (startingPosition === "AT_TIMESTAMP") {
      return this.shardIterator(shardId, ShardIteratorType.AT_TIMESTAMP, { Timestamp: startingPositionTimestamp });
    }
    return this.shardIterator(shardId, startingPosition === "LATEST" ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON);
  }

  /** Resumes after the checkpoint; a shard that appeared after start() begins at TRIM_HORIZON so no record is skipped. */
  private async resumeIterator(shardId: string): Promise<string> {
    const checkpoint = this.checkpoints.get(shardId);
    if (checkpoint) return this.shardIterator(shardId, ShardIteratorType.AFTER_SEQUENCE_NUMBER, { StartingSequenceNumber: checkpoint });
    return this.startIterators.get(shardId) ?? this.shardIterator(shardId, ShardIteratorType.TRIM_HORIZON);
  }

  private async drainShard(shardId: string, summary: PollSummary): Promise<void> {
    const reader = new ShardReader(this.deps.kinesis, this.settings.eventSourceArn, await this.resumeIterator(shardId));
    for (;;) {
      const records = await reader.nextBatch(this.settings.batchSize, this.settings.maximumBatchingWindowInSeconds);
      if (records.length === 0) break;
      await this.processBatch(shardId, records, summary);
    }
    // Keep an idle shard's position so a later drain does not re-read from the starting position.
    if (!this.checkpoints.has(shardId) && reader.position) this.startIterators.set(shardId, reader.position);
  }

  private checkpoint(shardId: string, records: _Record[]): void {
    if (records.length > 0) this.checkpoints.set(shardId, records[records.length - 1].SequenceNumber!);
  }

  // --- one batch, with Lambda's error handling -------------------------------------------------

  /**
   * Takes one batch to completion. Batches are handled depth-first and in order, so a shard's
   * records are processed in sequence even when a batch is bisected (ordering per shard).
   */
  private async processBatch(shardId: string, records: _Record[], summary: PollSummary): Promise<void> {
    const todo: PendingBatch[] = [{ records, retries: 0, invokeCount: 0 }];
    while (todo.length > 0) {
      const batch = todo.shift()!;
      const next = await this.attempt(shardId, batch, summary);
      todo.unshift(...next);
    }
  }

  /** One attempt at a batch; returns what is still to do, in order. */
  private async attempt(shardId: string, batch: PendingBatch, summary: PollSummary): Promise<PendingBatch[]> {
    const fresh = await this.dropExpiredRecords(shardId, batch, summary);
    if (fresh.length === 0) return [];
    batch = { ...batch, records: fresh };

    const outcome = await this.deps.invoke(this.toEvent(shardId, batch.records));
    summary.invocations++;
    batch = { ...batch, invokeCount: batch.invokeCount + 1, lastOutcome: outcome };

    if (!outcome.ok) return this.afterFunctionError(shardId, batch, outcome, summary);

    const verdict = this.judgeResponse(outcome.payload, batch.records);
    switch (verdict.kind) {
      case "success":
        this.succeed(shardId, batch.records, summary);
        if (verdict.ignoredFailures > 0) {
          summary.ignoredBatchItemFailures += verdict.ignoredFailures;
          this.log(`${shardId}: function returned batchItemFailures but ReportBatchItemFailures is off: batch counted as success`);
        }
        return [];
      case "partial": {
        // Checkpoint before the lowest failed sequence number and retry from there. With
        // BisectBatchOnFunctionError on too, "the batch is bisected at the returned sequence
        // number": that is a split (no retry spent) only when it actually removed records.
        const done = batch.records.slice(0, verdict.firstFailedIndex);
        this.succeed(shardId, done, summary);
        const rest = { ...batch, records: batch.records.slice(verdict.firstFailedIndex) };
        if (this.settings.bisectBatchOnFunctionError && done.length > 0) return [rest];
        return this.retryOrGiveUp(shardId, rest, summary);
      }
      case "failure":
        this.log(`${shardId}: ${verdict.reason}: the whole batch failed`);
        return this.retryOrGiveUp(shardId, batch, summary);
    }
  }

  private succeed(shardId: string, records: _Record[], summary: PollSummary): void {
    summary.recordsDelivered += records.length;
    this.checkpoint(shardId, records);
  }

  /**
   * A function error: with BisectBatchOnFunctionError the batch is split in two and each half
   * retried, which "doesn't consume the retry quota"; a single record cannot be split, so it is
   * retried normally (kinesis-on-failure-destination).
   */
  private async afterFunctionError(shardId: string, batch: PendingBatch, outcome: { errorType: string; errorMessage: string }, summary: PollSummary): Promise<PendingBatch[]> {
    this.log(`${shardId}: function error ${outcome.errorType}: ${outcome.errorMessage} (${batch.records.length} records)`);
    if (this.settings.bisectBatchOnFunctionError && batch.records.length > 1) {
      const middle = Math.ceil(batch.records.length / 2);
      return [
        { ...batch, records: batch.records.slice(0, middle) },
        { ...batch, records: batch.records.slice(middle) },
      ];
    }
    return this.retryOrGiveUp(shardId, batch, summary);
  }

  /** MaximumRetryAttempts: -1 retries until the record expires; otherwise that many retries. */
  private async retryOrGiveUp(shardId: string, batch: PendingBatch, summary: PollSummary): Promise<PendingBatch[]> {
    const max = this.settings.maximumRetryAttempts;
    if (max === -1) this.guardAgainstEndlessRetries(shardId, batch);
    if (max === -1 || batch.retries < max) return [{ ...batch, retries: batch.retries + 1 }];
    await this.giveUp(shardId, "RetryAttemptsExhausted", batch, summary);
    return [];
  }

  /**
   * MaximumRecordAgeInSeconds: before each invocation, records older than the limit are dropped
   * (sent on as RecordAgeExceeded). Arrival times grow along a shard, so they are a prefix.
   */
  private async dropExpiredRecords(shardId: string, batch: PendingBatch, summary: PollSummary): Promise<_Record[]> {
    const maxAge = this.settings.maximumRecordAgeInSeconds;
    if (maxAge === -1) return batch.records;
    const now = this.now().getTime();
    const isExpired = (r: _Record) => now - r.ApproximateArrivalTimestamp!.getTime() > maxAge * 1000;
    let expired = 0;
    while (expired < batch.records.length && isExpired(batch.records[expired])) expired++;
    if (expired > 0) await this.giveUp(shardId, "RecordAgeExceeded", { ...batch, records: batch.records.slice(0, expired) }, summary);
    return batch.records.slice(expired);
  }

  private guardAgainstEndlessRetries(shardId: string, batch: PendingBatch): void {
    const limit = this.deps.infiniteRetryLimit ?? 1000;
    if (batch.retries >= limit) {
      throw new Error(
        `${shardId} is blocked: ${batch.records.length} records from ${batch.records[0].SequenceNumber} retried ${limit} times; ` +
          `with MaximumRetryAttempts -1 and MaximumRecordAgeInSeconds ${this.settings.maximumRecordAgeInSeconds} ` +
          `the mapping would keep retrying until the records expire from the stream`,
      );
    }
  }

  /**
   * Reads the function's response the way "services-kinesis-batchfailurereporting" describes:
   * null/empty responses and null/empty lists are complete successes; an empty, null or unknown
   * itemIdentifier (or a response that is not a StreamsEventResponse at all) fails the whole batch.
   * Without ReportBatchItemFailures in FunctionResponseTypes Lambda does not look at the response.
   */
  private judgeResponse(payload: unknown, records: _Record[]): BatchVerdict {
    const failures = (payload as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
    if (!this.reportsBatchItemFailures) {
      return { kind: "success", ignoredFailures: Array.isArray(failures) ? failures.length : 0 };
    }
    if (payload === null || payload === undefined) return { kind: "success", ignoredFailures: 0 };
    if (typeof payload !== "object" || Array.isArray(payload)) return { kind: "failure", reason: "response is not a batch response object" };
    if (failures === null || failures === undefined) return { kind: "success", ignoredFailures: 0 };
    if (!Array.isArray(failures)) return { kind: "failure", reason: "batchItemFailures is not a list" };
    if (failures.length === 0) return { kind: "success", ignoredFailures: 0 };

    const known = new Map(records.map((r, i) => [r.SequenceNumber!, i]));
    let lowest: number | undefined;
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== "string" || id === "") return { kind: "failure", reason: `invalid itemIdentifier ${JSON.stringify(id)}` };
      const index = known.get(id);
      if (index === undefined) return { kind: "failure", reason: `itemIdentifier ${id} is not in the batch` };
      // "Lambda uses the record with the lowest sequence number as the checkpoint."
      if (lowest === undefined || compareSequence(id, records[lowest].SequenceNumber!) < 0) lowest = index;
    }
    return { kind: "partial", firstFailedIndex: lowest! };
  }

  // --- the event ---------------------------------------------------------------------------------

  /** A Kinesis event exactly as Lambda builds it ("Using Lambda with Kinesis Data Streams"). */
  private toEvent(shardId: string, records: _Record[]): KinesisStreamEvent {
    return { Records: records.map((r) => this.toEventRecord(shardId, r)) };
  }

  private toEventRecord(shardId: string, record: _Record): KinesisStreamRecord {
    return {
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: record.PartitionKey!,
        sequenceNumber: record.SequenceNumber!,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
        approximateArrivalTimestamp: record.ApproximateArrivalTimestamp!.getTime() / 1000, // seconds
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${shardId}:${record.SequenceNumber}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: this.deps.functionRoleArn ?? "",
      awsRegion: regionOf(this.settings.eventSourceArn),
      eventSourceARN: this.settings.eventSourceArn,
    };
  }

  // --- giving up: on-failure destinations ----------------------------------------------------------

  /**
   * Records whose retries or age ran out: the invocation record goes to the on-failure destination
   * and Lambda moves on; "if the error handling measures fail, Lambda discards the records".
   */
  private async giveUp(shardId: string, condition: string, batch: PendingBatch, summary: PollSummary): Promise<void> {
    const { records } = batch;
    const destination = this.settings.onFailureDestinationArn;
    summary.onFailure.push({
      condition,
      shardId,
      startSequenceNumber: records[0].SequenceNumber!,
      endSequenceNumber: records[records.length - 1].SequenceNumber!,
      batchSize: records.length,
      ...(destination ? { destination } : {}),
    });
    if (destination) {
      await this.sendInvocationRecord(destination, shardId, condition, batch);
      this.log(`${shardId}: ${condition}: ${records.length} records skipped, invocation record sent to ${destination}`);
    } else {
      summary.discarded += records.length;
      this.log(`${shardId}: ${condition}: ${records.length} records DISCARDED (no on-failure destination)`);
    }
    this.checkpoint(shardId, records);
  }

  /**
   * The invocation record of kinesis-on-failure-destination: metadata only for SQS and SNS (the
   * records stay in the stream), and for S3 the whole invocation payload as well. Lambda sends it
   * with the function's execution role, which is why it goes through the caller's clients.
   */
  private invocationRecord(shardId: string, condition: string, batch: PendingBatch, at: Date): Record<string, unknown> {
    const { records, lastOutcome } = batch;
    const first = records[0];
    const last = records[records.length - 1];
    return {
      requestContext: {
        requestId: lastOutcome?.requestId ?? randomUUID(),
        functionArn: this.settings.functionArn,
        condition,
        // AWS reports at least 1 even for records that aged out before any invocation.
        approximateInvokeCount: Math.max(1, batch.invokeCount),
      },
      // RecordAgeExceeded records carry no responseContext (observed on AWS).
      ...(condition === "RecordAgeExceeded" ? {} : { responseContext: this.responseContext(lastOutcome) }),
      version: "1.0",
      timestamp: isoMillis(at),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.SequenceNumber!,
        endSequenceNumber: last.SequenceNumber!,
        approximateArrivalOfFirstRecord: isoMillis(first.ApproximateArrivalTimestamp!),
        approximateArrivalOfLastRecord: isoMillis(last.ApproximateArrivalTimestamp!),
        batchSize: records.length,
        streamArn: this.settings.eventSourceArn,
      },
    };
  }

  private responseContext(outcome: InvokeOutcome | undefined): Record<string, unknown> {
    const executedVersion = outcome?.executedVersion ?? executedVersionOf(this.settings.functionArn);
    // A function error is reported as "Unhandled"; a response Lambda rejected has no functionError.
    return outcome && !outcome.ok ? { statusCode: 200, executedVersion, functionError: "Unhandled" } : { statusCode: 200, executedVersion };
  }

  private async sendInvocationRecord(destination: string, shardId: string, condition: string, batch: PendingBatch): Promise<void> {
    const at = this.now();
    const record = this.invocationRecord(shardId, condition, batch, at);
    const service = destination.split(":")[2];
    switch (service) {
      case "sqs":
        return this.sendToSqs(destination, record);
      case "sns":
        return this.sendToSns(destination, record);
      case "s3":
        // "For Amazon S3 destinations, Lambda also sends the entire invocation record along with the metadata."
        return this.sendToS3(destination, shardId, at, { ...record, payload: this.toEvent(shardId, batch.records) });
      default:
        throw new Error(`on-failure destination ${destination} is not an SQS queue, SNS topic or S3 bucket`);
    }
  }

  private async sendToSqs(queueArn: string, record: Record<string, unknown>): Promise<void> {
    const sqs = present(this.deps.sqs, "deps.sqs: an SQS client is needed for the on-failure destination");
    // Lambda addresses the queue by its ARN and makes no GetQueueUrl call (the execution role
    // needs only sqs:SendMessage), so the URL is built from the ARN, not looked up.
    const [, , , , account, name] = queueArn.split(":");
    await sqs.send(new SendMessageCommand({ QueueUrl: `https://sqs.${regionOf(queueArn)}.amazonaws.com/${account}/${name}`, MessageBody: JSON.stringify(record) }));
  }

  private async sendToSns(topicArn: string, record: Record<string, unknown>): Promise<void> {
    const sns = present(this.deps.sns, "deps.sns: an SNS client is needed for the on-failure destination");
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(record) }));
  }

  private async sendToS3(bucketArn: string, shardId: string, at: Date, record: Record<string, unknown>): Promise<void> {
    const s3 = present(this.deps.s3, "deps.s3: an S3 client is needed for the on-failure destination");
    await s3.send(
      new PutObjectCommand({
        Bucket: bucketArn.split(":::")[1],
        Key: s3FailureObjectKey(this.settings.uuid, shardId, at),
        Body: JSON.stringify(record),
      }),
    );
  }
}
