import { PutRecordsCommandInput, PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as path from "path";
import { promisify } from "util";
import { FAILURE_BUCKET, Outcome, PARKING_QUEUE, RECORDS_REPLAYED, replayParked, ReplayOptions } from "../../../scripts/parking/replay";
import { ARRIVED_DURING_RUN } from "../../../scripts/parking/summary";
import { projectRoot } from "../../../scripts/project-root";
import { kinesisRecord } from "../../helpers/kinesis";
import { startMoto, MotoServer } from "../../helpers/moto";
import {
  lambdaFailureKey,
  lambdaS3FailureObject,
  messagesIn,
  objectKeys,
  parkingFixture,
  ParkingFixture,
  parkingMessage,
  putObject,
  send,
  sha256,
  streamRecords,
} from "../../helpers/parking";

jest.setTimeout(120_000);

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => moto?.stop());

const options = (f: ParkingFixture, more: Partial<ReplayOptions> = {}): ReplayOptions => ({
  queueUrl: f.queueUrl,
  bucket: f.bucket,
  stream: f.stream,
  dryRun: false,
  waitTimeSeconds: 0,
  put: { backoffMs: 1 },
  ...more,
});

/** The envelope a replayed stream record carries, with its payload decoded. */
const envelopeOf = (data: Buffer) => {
  const envelope = JSON.parse(data.toString("utf8"));
  return { ...envelope, payload: Buffer.from(envelope.payload, "base64") };
};

const jsonPayload = Buffer.from('{"eventId":"e-1","amount":12345678901234567890}');
const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);

/** Seeds every kind of entry: two inline parking messages, one referencing parked/, two Lambda S3 objects. */
async function seedEverything(f: ParkingFixture) {
  const bulky = randomBytes(300_000);
  await send(f.clients.sqs, f.queueUrl, parkingMessage({ streamArn: f.streamArn, partitionKey: "e-1", sequenceNumber: "1001", payload: jsonPayload, arrival: 1767225600.5 }));
  await send(f.clients.sqs, f.queueUrl, parkingMessage({ streamArn: f.streamArn, partitionKey: "e-2", sequenceNumber: "1002", payload: invalidUtf8 }));
  // A payload in S3 under parked/, referenced from its message.
  const { payload: _inline, ...referenced } = parkingMessage({ streamArn: f.streamArn, partitionKey: "e-3", sequenceNumber: "1003", payload: bulky });
  await putObject(f, "parked/shardId-000000000000/1003", bulky);
  await send(f.clients.sqs, f.queueUrl, { ...referenced, reason: "too-large", payloadObject: { bucket: f.bucket, key: "parked/shardId-000000000000/1003" } });
  // A batch with a record that was itself a replay: it goes back with its first place in time.
  const earlierReplay = Buffer.from(JSON.stringify({ ingestReplay: 1, originalSequenceNumber: "900", originalShardId: "shardId-000000000003", originalArrivalTimestamp: 1767000000.25, payload: Buffer.from('{"eventId":"e-5"}').toString("base64") }));
  await putObject(
    f,
    lambdaFailureKey(),
    lambdaS3FailureObject(f.streamArn, [
      kinesisRecord(undefined, { rawData: Buffer.from('{"eventId":"e-4"}').toString("base64"), partitionKey: "e-4", sequenceNumber: "2001" }),
      kinesisRecord(undefined, { rawData: earlierReplay.toString("base64"), partitionKey: "e-5", sequenceNumber: "2002" }),
    ]),
  );
  await putObject(f, lambdaFailureKey(), lambdaS3FailureObject(f.streamArn, [kinesisRecord(undefined, { rawData: invalidUtf8.toString("base64"), partitionKey: "e-6", sequenceNumber: "2003" })], "object"));
  return { bulky };
}

describe("replay-parked against Kinesis, SQS and S3 (moto server)", () => {
  it("puts every parked record back byte-exact in its replay envelope with its partition key, then removes every entry", async () => {
    const f = await parkingFixture(moto);
    const { bulky } = await seedEverything(f);

    const summary = await replayParked(f.clients, options(f));

    const byKey = new Map((await streamRecords(f)).map((r) => [r.partitionKey, envelopeOf(r.data)]));
    expect([...byKey.keys()].sort()).toEqual(["e-1", "e-2", "e-3", "e-4", "e-5", "e-6"]);
    expect(byKey.get("e-1")).toEqual({ ingestReplay: 1, originalSequenceNumber: "1001", originalShardId: "shardId-000000000000", originalArrivalTimestamp: 1767225600.5, payload: jsonPayload });
    expect(byKey.get("e-2")!.payload.equals(invalidUtf8)).toBe(true);
    expect(sha256(byKey.get("e-3")!.payload)).toBe(sha256(bulky));
    expect(byKey.get("e-4")).toMatchObject({ originalSequenceNumber: "2001", originalShardId: "shardId-000000000000", originalArrivalTimestamp: 1767225600.123 });
    expect(byKey.get("e-4")!.payload.toString()).toBe('{"eventId":"e-4"}');
    // Not an envelope in an envelope: the earlier replay's first place in time is kept.
    expect(byKey.get("e-5")).toEqual({ ingestReplay: 1, originalSequenceNumber: "900", originalShardId: "shardId-000000000003", originalArrivalTimestamp: 1767000000.25, payload: Buffer.from('{"eventId":"e-5"}') });
    expect(byKey.get("e-6")!.payload.equals(invalidUtf8)).toBe(true);

    expect(await messagesIn(f.clients.sqs, f.queueUrl)).toEqual([]);
    expect(await objectKeys(f, "")).toEqual([]);
    expect(summary.count(PARKING_QUEUE, Outcome.REPLAYED)).toBe(3);
    expect(summary.count(FAILURE_BUCKET, Outcome.REPLAYED)).toBe(2);
    expect(summary.count(FAILURE_BUCKET, RECORDS_REPLAYED)).toBe(3);
    expect(summary.problems).toBe(0);
  });

  it("keeps every entry holding a record Kinesis did not acknowledge, and retries a transient partial failure", async () => {
    const f = await parkingFixture(moto);
    // PutRecords answers with a partial failure: "refused" every time, "flaky" on its first try.
    const attempts = new Map<string, number>();
    f.clients.kinesis.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "PutRecordsCommand") return next(args);
        const input = args.input as PutRecordsCommandInput;
        const refuse = input.Records!.map((r) => {
          const n = (attempts.get(r.PartitionKey!) ?? 0) + 1;
          attempts.set(r.PartitionKey!, n);
          return r.PartitionKey === "refused" || (r.PartitionKey === "flaky" && n === 1);
        });
        const passed = input.Records!.filter((_, i) => !refuse[i]);
        const real = passed.length ? ((await next({ ...args, input: { ...input, Records: passed } })).output as PutRecordsCommandOutput).Records! : [];
        const merged = refuse.map((refused) => (refused ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard" } : real.shift()!));
        return { output: { $metadata: {}, FailedRecordCount: refuse.filter(Boolean).length, Records: merged }, response: {} } as any;
      },
      { step: "initialize", name: "partialFailure" },
    );
    await send(f.clients.sqs, f.queueUrl, parkingMessage({ streamArn: f.streamArn, partitionKey: "refused", sequenceNumber: "1", payload: jsonPayload }));
    await send(f.clients.sqs, f.queueUrl, parkingMessage({ streamArn: f.streamArn, partitionKey: "flaky", sequenceNumber: "2", payload: jsonPayload }));
    const batchKey = lambdaFailureKey();
    await putObject(
      f,
      batchKey,
      lambdaS3FailureObject(f.streamArn, [
        kinesisRecord(undefined, { rawData: "e30=", partitionKey: "fine", sequenceNumber: "3" }),
        kinesisRecord(undefined, { rawData: "e30=", partitionKey: "refused", sequenceNumber: "4" }),
      ]),
    );

    const summary = await replayParked(f.clients, options(f, { put: { maxAttempts: 3, backoffMs: 1 } }));

    const kept = await messagesIn(f.clients.sqs, f.queueUrl);
    expect(kept.map((m) => JSON.parse(m.Body!).partitionKey)).toEqual(["refused"]);
    expect(await objectKeys(f, "aws/lambda/")).toEqual([batchKey]);
    expect((await streamRecords(f)).map((r) => r.partitionKey).sort()).toEqual(["fine", "flaky"]);
    expect(attempts.get("refused")).toBe(6); // three tries from each source, none acknowledged
    expect(attempts.get("flaky")).toBe(2);
    expect(summary.count(PARKING_QUEUE, Outcome.NOT_ACKNOWLEDGED)).toBe(1);
    expect(summary.count(FAILURE_BUCKET, Outcome.NOT_ACKNOWLEDGED)).toBe(1);
    expect(summary.count(PARKING_QUEUE, Outcome.REPLAYED)).toBe(1);
    expect(summary.problems).toBe(2);
  });

  it("ends when the consumer parks the replayed records again, leaving the new entries for the next run", async () => {
    const f = await parkingFixture(moto);
    // The cause is not fixed: every replayed record is parked again at once.
    f.clients.kinesis.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "PutRecordsCommand") {
          for (const r of (args.input as PutRecordsCommandInput).Records!) {
            await send(f.clients.sqs, f.queueUrl, parkingMessage({ streamArn: f.streamArn, partitionKey: r.PartitionKey!, sequenceNumber: "9", payload: jsonPayload }));
          }
        }
        return result;
      },
      { step: "initialize", name: "parksAgain" },
    );
    for (const key of ["a", "b", "c"]) await send(f.clients.sqs, f.queueUrl, parkingMessage({ streamArn: f.streamArn, partitionKey: key, sequenceNumber: "1", payload: jsonPayload }));
    await new Promise((r) => setTimeout(r, 5)); // SentTimestamp has millisecond resolution

    const summary = await replayParked(f.clients, options(f));

    expect(summary.count(PARKING_QUEUE, Outcome.REPLAYED)).toBe(3);
    expect(summary.count(PARKING_QUEUE, ARRIVED_DURING_RUN)).toBe(3);
    expect(await streamRecords(f)).toHaveLength(3);
    expect(await messagesIn(f.clients.sqs, f.queueUrl)).toHaveLength(3);
  });

  it("changes nothing on a dry run, and reports what it would replay", async () => {
    const f = await parkingFixture(moto);
    await seedEverything(f);
    const objectsBefore = await objectKeys(f, "");
    const bodiesBefore = (await messagesIn(f.clients.sqs, f.queueUrl)).map((m) => m.Body).sort();

    const summary = await replayParked(f.clients, options(f, { dryRun: true }));

    expect(await streamRecords(f)).toEqual([]);
    expect((await messagesIn(f.clients.sqs, f.queueUrl)).map((m) => m.Body).sort()).toEqual(bodiesBefore);
    expect(await objectKeys(f, "")).toEqual(objectsBefore);
    expect(summary.count(PARKING_QUEUE, Outcome.WOULD_REPLAY)).toBe(3);
    expect(summary.count(FAILURE_BUCKET, Outcome.WOULD_REPLAY)).toBe(2);
    expect(summary.problems).toBe(0);
  });

  it("keeps a message whose payload does not match its hash, and one whose envelope exceeds the stream's record limit", async () => {
    const f = await parkingFixture(moto);
    const tampered = { ...parkingMessage({ streamArn: f.streamArn, partitionKey: "t", sequenceNumber: "1", payload: jsonPayload }), payloadSha256: sha256(Buffer.from("other")) };
    await send(f.clients.sqs, f.queueUrl, tampered);
    // 800 KB fills a 1 MiB record; in base64 inside the envelope it no longer fits.
    const big = randomBytes(800_000);
    const { payload: _inline, ...referenced } = parkingMessage({ streamArn: f.streamArn, partitionKey: "big", sequenceNumber: "2", payload: big });
    await putObject(f, "parked/shardId-000000000000/2", big);
    await send(f.clients.sqs, f.queueUrl, { ...referenced, payloadObject: { bucket: f.bucket, key: "parked/shardId-000000000000/2" } });

    const summary = await replayParked(f.clients, options(f));

    expect(await messagesIn(f.clients.sqs, f.queueUrl)).toHaveLength(2);
    expect(await objectKeys(f, "parked/")).toEqual(["parked/shardId-000000000000/2"]);
    expect(await streamRecords(f)).toEqual([]);
    expect(summary.count(PARKING_QUEUE, Outcome.UNREADABLE)).toBe(1);
    expect(summary.count(PARKING_QUEUE, Outcome.TOO_LARGE)).toBe(1);
  });

  it("runs from the command line with explicit flags, printing progress and a summary", async () => {
    const f = await parkingFixture(moto);
    await send(f.clients.sqs, f.queueUrl, parkingMessage({ streamArn: f.streamArn, partitionKey: "cli", sequenceNumber: "7", payload: jsonPayload }));
    const root = projectRoot();
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(root, "scripts", "run-ts.js"), "scripts/replay-parked.ts", "no-such-stack", "--endpoint", moto.endpoint, "--region", moto.clientConfig.region, "--queue-url", f.queueUrl, "--bucket", f.bucket, "--stream", f.stream],
      { cwd: root, env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" } },
    );
    expect(stderr).toContain("parking queue: 1 replayed so far");
    expect(stdout).toBe("replay-parked summary\n  parking queue: replayed 1, records replayed 1\n  all handled\n");
    expect((await streamRecords(f)).map((r) => envelopeOf(r.data).payload)).toEqual([jsonPayload]);
  });
});
