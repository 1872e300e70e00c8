/**
 * Specifications for the Kinesis event source mapping stand-in, run against a real moto server
 * (Kinesis, SQS, SNS, S3) with a fake function. Each case states one documented Lambda behaviour.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";
import type { EventSourceMappingConfiguration } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { KinesisStreamEvent } from "aws-lambda";

import { startMoto, MotoServer } from "../../helpers/moto";
import { EventSourceMappingSettings, InvokeOutcome, KinesisPoller, PollerDeps, mappingSettings } from "./kinesis-poller";

jest.setTimeout(60_000);

const ACCOUNT = "123456789012";
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/consumer`;
const FUNCTION_ARN = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:consumer`;
const MAPPING_UUID = "a1b2c3d4-5678-90ab-cdef-111122223333";

let moto: MotoServer;
let kinesis: KinesisClient;
let sqs: SQSClient;
let sns: SNSClient;
let s3: S3Client;
let nameCounter = 0;

beforeAll(async () => {
  moto = await startMoto();
  // The Kinesis client defaults to HTTP/2, which moto does not speak.
  kinesis = new KinesisClient({ ...moto.clientConfig, requestHandler: new NodeHttpHandler() });
  sqs = new SQSClient(moto.clientConfig);
  sns = new SNSClient(moto.clientConfig);
  s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
});
afterAll(async () => {
  for (const client of [kinesis, sqs, sns, s3]) client?.destroy();
  await moto?.stop();
});

// --- fixtures --------------------------------------------------------------------------------------

function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now()}-${nameCounter++}`;
}

/** A fresh one-shard stream, so each test reads only its own records. */
async function newStream(): Promise<string> {
  const StreamName = uniqueName("events");
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  for (;;) {
    const { StreamDescriptionSummary: s } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
    if (s?.StreamStatus === "ACTIVE") return s.StreamARN!;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Puts records one at a time (so their order is certain) and returns their sequence numbers. */
async function put(streamArn: string, count: number): Promise<string[]> {
  const sequenceNumbers: string[] = [];
  for (let n = 1; n <= count; n++) {
    const out = await kinesis.send(
      new PutRecordCommand({ StreamARN: streamArn, PartitionKey: `pk-${n}`, Data: Buffer.from(JSON.stringify({ n })) }),
    );
    sequenceNumbers.push(out.SequenceNumber!);
  }
  return sequenceNumbers;
}

async function newQueue(): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("on-failure") }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function receiveBodies(queueUrl: string): Promise<any[]> {
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (Messages ?? []).map((m) => JSON.parse(m.Body!));
}

function settingsFor(streamArn: string, overrides: Partial<EventSourceMappingSettings> = {}): EventSourceMappingSettings {
  return {
    uuid: MAPPING_UUID,
    eventSourceArn: streamArn,
    functionArn: FUNCTION_ARN,
    batchSize: 100,
    maximumBatchingWindowInSeconds: 0,
    startingPosition: "TRIM_HORIZON",
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: 0,
    maximumRecordAgeInSeconds: -1,
    functionResponseTypes: [],
    enabled: true,
    ...overrides,
  };
}

const FAILED: InvokeOutcome = { ok: false, errorType: "Error", errorMessage: "boom" };
const OK: InvokeOutcome = { ok: true, payload: null };

/** A fake function that records every event and answers with `respond`. */
function fakeFunction(respond: (event: KinesisStreamEvent, call: number) => InvokeOutcome) {
  const events: KinesisStreamEvent[] = [];
  return {
    events,
    /** Sequence numbers of each invocation, in order. */
    batches: () => events.map((e) => e.Records.map((r) => r.kinesis.sequenceNumber)),
    invoke: async (event: KinesisStreamEvent) => {
      events.push(event);
      return respond(event, events.length);
    },
  };
}

function poller(settings: EventSourceMappingSettings, fn: { invoke: PollerDeps["invoke"] }, extra: Partial<PollerDeps> = {}) {
  return new KinesisPoller(settings, { kinesis, sqs, sns, s3, invoke: fn.invoke, functionRoleArn: ROLE_ARN, ...extra });
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// --- reading and batching --------------------------------------------------------------------------

describe("reading the stream", () => {
  it("invokes with Lambda-shaped Kinesis records and checkpoints after a successful batch", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 3);
    const fn = fakeFunction(() => OK);
    const p = poller(settingsFor(streamArn), fn);

    const summary = await p.drain();

    expect(fn.batches()).toEqual([seqs]);
    const record = fn.events[0].Records[1];
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: "pk-2",
        sequenceNumber: seqs[1],
        data: Buffer.from(JSON.stringify({ n: 2 })).toString("base64"),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `shardId-000000000000:${seqs[1]}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: ROLE_ARN,
      awsRegion: "eu-west-1",
      eventSourceARN: streamArn,
    });
    // Seconds since the epoch, not milliseconds.
    expect(Math.abs(record.kinesis.approximateArrivalTimestamp - Date.now() / 1000)).toBeLessThan(120);
    expect(summary).toEqual({ invocations: 1, recordsDelivered: 3, onFailure: [], discarded: 0, ignoredBatchItemFailures: 0 });

    // Checkpointed: a second drain reads only what arrived since.
    const [fourth] = await put(streamArn, 1);
    expect((await p.drain()).invocations).toBe(1);
    expect(fn.batches()[1]).toEqual([fourth]);
  });

  it("honours BatchSize: five records with BatchSize 2 arrive as 2, 2 and 1", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 5);
    const fn = fakeFunction(() => OK);

    await poller(settingsFor(streamArn, { batchSize: 2 }), fn).drain();

    expect(fn.batches()).toEqual([seqs.slice(0, 2), seqs.slice(2, 4), seqs.slice(4)]);
  });

  it("with StartingPosition LATEST skips records already in the stream when the mapping starts", async () => {
    const streamArn = await newStream();
    await put(streamArn, 2);
    const fn = fakeFunction(() => OK);
    const p = poller(settingsFor(streamArn, { startingPosition: "LATEST" }), fn);

    await p.start();
    const [after] = await put(streamArn, 1);
    const summary = await p.drain();

    expect(fn.batches()).toEqual([[after]]);
    expect(summary.recordsDelivered).toBe(1);
  });

  it("with StartingPosition AT_TIMESTAMP starts at the first record put at or after the timestamp", async () => {
    const streamArn = await newStream();
    await put(streamArn, 2);
    await new Promise((r) => setTimeout(r, 50));
    const startingPositionTimestamp = new Date();
    await new Promise((r) => setTimeout(r, 50));
    const later = await put(streamArn, 2);
    const fn = fakeFunction(() => OK);

    await poller(settingsFor(streamArn, { startingPosition: "AT_TIMESTAMP", startingPositionTimestamp }), fn).drain();

    expect(fn.batches()).toEqual([later]);
  });

  it("polls nothing while the mapping is disabled", async () => {
    const streamArn = await newStream();
    await put(streamArn, 2);
    const fn = fakeFunction(() => OK);

    const summary = await poller(settingsFor(streamArn, { enabled: false }), fn).drain();

    expect(fn.events).toHaveLength(0);
    expect(summary.invocations).toBe(0);
  });
});

// --- partial batch responses -----------------------------------------------------------------------

describe("partial batch responses (ReportBatchItemFailures)", () => {
  const reporting = { functionResponseTypes: ["ReportBatchItemFailures"], maximumRetryAttempts: 3 };

  it("checkpoints before the lowest failed sequence number and retries from that record only", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 4);
    // First answer lists the failures out of order; Lambda must pick the lowest (seqs[1]).
    const fn = fakeFunction((_, call) =>
      call === 1 ? { ok: true, payload: { batchItemFailures: [{ itemIdentifier: seqs[3] }, { itemIdentifier: seqs[1] }] } } : OK,
    );

    const summary = await poller(settingsFor(streamArn, reporting), fn).drain();

    expect(fn.batches()).toEqual([seqs, seqs.slice(1)]);
    expect(summary.recordsDelivered).toBe(4);
    expect(summary.onFailure).toEqual([]);
  });

  it("spends a retry on the records after a reported failure; with MaximumRetryAttempts 0 they are given up", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 4);
    const fn = fakeFunction(() => ({ ok: true, payload: { batchItemFailures: [{ itemIdentifier: seqs[2] }] } }));

    const summary = await poller(settingsFor(streamArn, { ...reporting, maximumRetryAttempts: 0 }), fn).drain();

    expect(fn.batches()).toEqual([seqs]);
    expect(summary.recordsDelivered).toBe(2);
    expect(summary.onFailure).toEqual([expect.objectContaining({ startSequenceNumber: seqs[2], endSequenceNumber: seqs[3], batchSize: 2 })]);
  });

  it("with BisectBatchOnFunctionError too, bisects at the reported record without spending a retry", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 4);
    const fn = fakeFunction((_, call) => (call === 1 ? { ok: true, payload: { batchItemFailures: [{ itemIdentifier: seqs[2] }] } } : OK));

    const summary = await poller(
      settingsFor(streamArn, { ...reporting, bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 }),
      fn,
    ).drain();

    expect(fn.batches()).toEqual([seqs, seqs.slice(2)]);
    expect(summary.recordsDelivered).toBe(4);
    expect(summary.onFailure).toEqual([]);
  });

  it.each<[string, (seqs: string[]) => unknown]>([
    ["an empty itemIdentifier", () => ({ batchItemFailures: [{ itemIdentifier: "" }] })],
    ["a null itemIdentifier", () => ({ batchItemFailures: [{ itemIdentifier: null }] })],
    ["an itemIdentifier that is not in the batch", () => ({ batchItemFailures: [{ itemIdentifier: "999999999" }] })],
    ["a misspelt itemIdentifier key", (seqs) => ({ batchItemFailures: [{ itemIdentifer: seqs[2] }] })],
    ["one bad entry among good ones", (seqs) => ({ batchItemFailures: [{ itemIdentifier: seqs[2] }, { itemIdentifier: "" }] })],
    ["batchItemFailures that is not a list", (seqs) => ({ batchItemFailures: seqs[2] })],
    ["a response that is not an object", () => "done"],
  ])("fails the whole batch on %s", async (_, malformed) => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 4);
    const fn = fakeFunction((_, call) => (call === 1 ? { ok: true, payload: malformed(seqs) } : OK));

    const summary = await poller(settingsFor(streamArn, reporting), fn).drain();

    // The retry carries every record again, not just those after some "failed" one.
    expect(fn.batches()).toEqual([seqs, seqs]);
    expect(summary.recordsDelivered).toBe(4);
  });

  it.each<[string, unknown]>([
    ["a null response", null],
    ["an empty object", {}],
    ["a null list", { batchItemFailures: null }],
    ["an empty list", { batchItemFailures: [] }],
  ])("counts %s as complete success", async (_, payload) => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 2);
    const fn = fakeFunction(() => ({ ok: true, payload }));

    const summary = await poller(settingsFor(streamArn, reporting), fn).drain();

    expect(fn.batches()).toEqual([seqs]);
    expect(summary.recordsDelivered).toBe(2);
  });

  it("without ReportBatchItemFailures ignores a returned batchItemFailures list: the batch succeeds and the record is lost", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 3);
    const fn = fakeFunction(() => ({ ok: true, payload: { batchItemFailures: [{ itemIdentifier: seqs[1] }] } }));
    const p = poller(settingsFor(streamArn, { functionResponseTypes: [], maximumRetryAttempts: 3 }), fn);

    const summary = await p.drain();

    expect(fn.batches()).toEqual([seqs]);
    expect(summary).toEqual({ invocations: 1, recordsDelivered: 3, onFailure: [], discarded: 0, ignoredBatchItemFailures: 1 });
    expect((await p.drain()).invocations).toBe(0); // never retried
  });
});

// --- function errors, retries and bisecting --------------------------------------------------------

describe("function errors", () => {
  it("with BisectBatchOnFunctionError splits a failing batch until the bad record is alone, without spending retries", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 4);
    const poison = seqs[2];
    const fn = fakeFunction((e) => (e.Records.some((r) => r.kinesis.sequenceNumber === poison) ? FAILED : OK));

    const summary = await poller(settingsFor(streamArn, { bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 }), fn).drain();

    expect(fn.batches()).toEqual([seqs, seqs.slice(0, 2), seqs.slice(2), [poison], [seqs[3]]]);
    expect(summary.recordsDelivered).toBe(3);
    expect(summary.discarded).toBe(1);
    expect(summary.onFailure).toEqual([
      { condition: "RetryAttemptsExhausted", shardId: "shardId-000000000000", startSequenceNumber: poison, endSequenceNumber: poison, batchSize: 1 },
    ]);
  });

  it("without bisecting gives up on the whole batch once retries are exhausted", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 4);
    const fn = fakeFunction((e) => (e.Records.some((r) => r.kinesis.sequenceNumber === seqs[2]) ? FAILED : OK));

    const summary = await poller(settingsFor(streamArn, { maximumRetryAttempts: 1 }), fn).drain();

    expect(fn.batches()).toEqual([seqs, seqs]); // first try + one retry
    expect(summary.recordsDelivered).toBe(0);
    expect(summary.discarded).toBe(4);
  });

  it("with MaximumRetryAttempts -1 keeps retrying a transient error until it succeeds", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 2);
    const fn = fakeFunction((_, call) => (call <= 5 ? FAILED : OK));

    const summary = await poller(settingsFor(streamArn, { maximumRetryAttempts: -1 }), fn).drain();

    expect(fn.batches()).toEqual(Array(6).fill(seqs));
    expect(summary).toEqual({ invocations: 6, recordsDelivered: 2, onFailure: [], discarded: 0, ignoredBatchItemFailures: 0 });
  });

  it("stops a shard that would be retried forever instead of hanging", async () => {
    const streamArn = await newStream();
    await put(streamArn, 1);
    const fn = fakeFunction(() => FAILED);

    await expect(
      poller(settingsFor(streamArn, { maximumRetryAttempts: -1 }), fn, { infiniteRetryLimit: 20 }).drain(),
    ).rejects.toThrow(/blocked: 1 records .* retried 20 times/);
    expect(fn.events).toHaveLength(21); // the first attempt and 20 retries
  });
});

// --- on-failure destinations -----------------------------------------------------------------------

describe("records whose retries are exhausted", () => {
  it("are discarded, and counted as such, when the mapping has no on-failure destination", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 4);
    // The first batch succeeds; the second fails every time.
    const fn = fakeFunction((e) => (e.Records[0].kinesis.sequenceNumber === seqs[0] ? OK : FAILED));
    const lines: string[] = [];
    const p = poller(settingsFor(streamArn, { batchSize: 2, maximumRetryAttempts: 1 }), fn, { log: (l) => lines.push(l) });

    const summary = await p.drain();

    expect(fn.batches()).toEqual([seqs.slice(0, 2), seqs.slice(2), seqs.slice(2)]);
    expect(summary.recordsDelivered).toBe(2);
    expect(summary.discarded).toBe(2);
    expect(summary.onFailure).toEqual([
      { condition: "RetryAttemptsExhausted", shardId: "shardId-000000000000", startSequenceNumber: seqs[2], endSequenceNumber: seqs[3], batchSize: 2 },
    ]);
    expect(lines.some((l) => l.includes("DISCARDED"))).toBe(true);
    // Lambda moves past them: they are not read again.
    expect((await p.drain()).invocations).toBe(0);
  });

  it("send the documented invocation record (metadata only) to an SQS destination", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 2);
    const queue = await newQueue();
    const fn = fakeFunction(() => FAILED);

    const summary = await poller(settingsFor(streamArn, { maximumRetryAttempts: 2, onFailureDestinationArn: queue.arn }), fn).drain();

    expect(summary.invocations).toBe(3);
    expect(summary.discarded).toBe(0);
    expect(summary.onFailure).toEqual([
      expect.objectContaining({ condition: "RetryAttemptsExhausted", destination: queue.arn, batchSize: 2 }),
    ]);
    const arrivals = fn.events[0].Records.map((r) => new Date(r.kinesis.approximateArrivalTimestamp * 1000).toISOString());
    const bodies = await receiveBodies(queue.url);
    expect(bodies).toEqual([
      {
        requestContext: {
          requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          functionArn: FUNCTION_ARN,
          condition: "RetryAttemptsExhausted",
          approximateInvokeCount: 3,
        },
        responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
        version: "1.0",
        timestamp: expect.stringMatching(ISO_MILLIS),
        KinesisBatchInfo: {
          shardId: "shardId-000000000000",
          startSequenceNumber: seqs[0],
          endSequenceNumber: seqs[1],
          approximateArrivalOfFirstRecord: arrivals[0],
          approximateArrivalOfLastRecord: arrivals[1],
          batchSize: 2,
          streamArn,
        },
      },
    ]);
  });

  it("send the invocation record with the whole payload to an S3 destination, under the documented key", async () => {
    const streamArn = await newStream();
    await put(streamArn, 2);
    const Bucket = uniqueName("failures");
    await s3.send(new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    const failedAt = new Date("2030-01-02T03:04:05.678Z");
    const fn = fakeFunction(() => ({ ...FAILED, requestId: "req-42" }));

    await poller(settingsFor(streamArn, { onFailureDestinationArn: `arn:aws:s3:::${Bucket}` }), fn, { now: () => failedAt }).drain();

    const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(Contents).toHaveLength(1);
    const key = Contents![0].Key!;
    expect(key).toMatch(
      new RegExp(`^aws/lambda/${MAPPING_UUID}/shardId-000000000000/2030/01/02/2030-01-02T03\\.04\\.05-[0-9a-f-]{36}$`),
    );
    const object = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
    const body = JSON.parse(await object.Body!.transformToString());
    expect(body).toEqual({
      requestContext: { requestId: "req-42", functionArn: FUNCTION_ARN, condition: "RetryAttemptsExhausted", approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      version: "1.0",
      timestamp: "2030-01-02T03:04:05.678Z",
      KinesisBatchInfo: expect.objectContaining({ batchSize: 2, streamArn }),
      payload: fn.events[0], // exactly what the function was invoked with
    });
  });

  it("publish the invocation record to an SNS destination", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 1);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName("on-failure") }));
    const queue = await newQueue();
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: queue.arn, Attributes: { RawMessageDelivery: "true" } }));
    const fn = fakeFunction(() => FAILED);

    await poller(settingsFor(streamArn, { onFailureDestinationArn: TopicArn }), fn).drain();

    const [body] = await receiveBodies(queue.url);
    expect(body.requestContext.condition).toBe("RetryAttemptsExhausted");
    expect(body.KinesisBatchInfo.startSequenceNumber).toBe(seqs[0]);
    expect(body).not.toHaveProperty("payload");
  });
});

describe("MaximumRecordAgeInSeconds", () => {
  it("skips records older than the limit without invoking, sending a RecordAgeExceeded record", async () => {
    const streamArn = await newStream();
    const seqs = await put(streamArn, 2);
    const queue = await newQueue();
    const fn = fakeFunction(() => OK);
    const anHourLater = () => new Date(Date.now() + 3600_000);

    const summary = await poller(
      settingsFor(streamArn, { maximumRecordAgeInSeconds: 60, onFailureDestinationArn: queue.arn }),
      fn,
      { now: anHourLater },
    ).drain();

    expect(fn.events).toHaveLength(0);
    expect(summary.onFailure).toEqual([expect.objectContaining({ condition: "RecordAgeExceeded", batchSize: 2, startSequenceNumber: seqs[0] })]);
    const [body] = await receiveBodies(queue.url);
    expect(body.requestContext).toEqual(expect.objectContaining({ condition: "RecordAgeExceeded", approximateInvokeCount: 1 }));
    expect(body).not.toHaveProperty("responseContext");
    expect(body.KinesisBatchInfo.endSequenceNumber).toBe(seqs[1]);
  });

  it("gives up on records that age out while being retried, even with infinite retries", async () => {
    const streamArn = await newStream();
    await put(streamArn, 1);
    let clock = Date.now();
    const fn = fakeFunction(() => {
      clock += 35_000; // each failed attempt "takes" 35 s
      return FAILED;
    });

    const summary = await poller(settingsFor(streamArn, { maximumRetryAttempts: -1, maximumRecordAgeInSeconds: 60 }), fn, {
      now: () => new Date(clock),
    }).drain();

    expect(summary.invocations).toBe(2); // at ~0 s and ~35 s; by ~70 s the record is too old
    expect(summary.onFailure).toEqual([expect.objectContaining({ condition: "RecordAgeExceeded", batchSize: 1 })]);
    expect(summary.discarded).toBe(1);
  });
});

// --- reading the deployed mapping ------------------------------------------------------------------

describe("mappingSettings", () => {
  const deployed: EventSourceMappingConfiguration = {
    UUID: MAPPING_UUID,
    EventSourceArn: `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/events`,
    FunctionArn: FUNCTION_ARN,
    BatchSize: 50,
    MaximumBatchingWindowInSeconds: 1,
    StartingPosition: "TRIM_HORIZON",
    BisectBatchOnFunctionError: true,
    MaximumRetryAttempts: 3,
    MaximumRecordAgeInSeconds: 3600,
    FunctionResponseTypes: ["ReportBatchItemFailures"],
    DestinationConfig: { OnFailure: { Destination: `arn:aws:sqs:eu-west-1:${ACCOUNT}:dlq` } },
    State: "Enabled",
  };

  it("maps what GetEventSourceMapping returns", () => {
    expect(mappingSettings(deployed)).toEqual({
      uuid: MAPPING_UUID,
      eventSourceArn: deployed.EventSourceArn,
      functionArn: FUNCTION_ARN,
      batchSize: 50,
      maximumBatchingWindowInSeconds: 1,
      startingPosition: "TRIM_HORIZON",
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 3,
      maximumRecordAgeInSeconds: 3600,
      functionResponseTypes: ["ReportBatchItemFailures"],
      onFailureDestinationArn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:dlq`,
      enabled: true,
    });
  });

  it.each(["MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError", "BatchSize", "State"] as const)(
    "throws naming a missing %s",
    (field) => {
      expect(() => mappingSettings({ ...deployed, [field]: undefined })).toThrow(new RegExp(`missing ${field}`));
    },
  );

  it("treats absent FunctionResponseTypes and DestinationConfig as none, and a Disabled state as not polling", () => {
    const settings = mappingSettings({ ...deployed, FunctionResponseTypes: undefined, DestinationConfig: undefined, State: "Disabled" });
    expect(settings.functionResponseTypes).toEqual([]);
    expect(settings).not.toHaveProperty("onFailureDestinationArn");
    expect(settings.enabled).toBe(false);
  });

  it("requires StartingPositionTimestamp for AT_TIMESTAMP", () => {
    expect(() => mappingSettings({ ...deployed, StartingPosition: "AT_TIMESTAMP" })).toThrow(/StartingPositionTimestamp/);
  });

  it("refuses features the poller does not emulate", () => {
    expect(() => mappingSettings({ ...deployed, FilterCriteria: { Filters: [{ Pattern: "{}" }] } })).toThrow(/FilterCriteria/);
    expect(() => mappingSettings({ ...deployed, TumblingWindowInSeconds: 30 })).toThrow(/TumblingWindowInSeconds/);
  });
});
