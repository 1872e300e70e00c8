import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as path from "path";
import { promisify } from "util";
import { FAILURE_QUEUE, Outcome, RECORDS_PARKED, redrive, RedriveOptions } from "../../../scripts/parking/redrive";
import { projectRoot } from "../../../scripts/project-root";
import { startMoto, MotoServer } from "../../helpers/moto";
import { failurePointer, messagesIn, objectBytes, objectKeys, parkingFixture, ParkingFixture, putIntoStream, send, sha256, streamRecords } from "../../helpers/parking";

jest.setTimeout(120_000);

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => moto?.stop());

const PARKED_AT = new Date("2026-11-23T21:00:00.000Z");
const options = (f: ParkingFixture, more: Partial<RedriveOptions> = {}): RedriveOptions => ({
  failureQueueUrl: f.failureQueueUrl,
  queueUrl: f.queueUrl,
  bucket: f.bucket,
  dryRun: false,
  waitTimeSeconds: 0,
  now: () => PARKED_AT,
  ...more,
});

const parked = async (f: ParkingFixture) => (await messagesIn(f.clients.sqs, f.queueUrl)).map((m) => JSON.parse(m.Body!));

describe("redrive against Kinesis, SQS and S3 (moto server)", () => {
  it("parks every record a pointer names, byte-exact with its place in the stream, then removes the pointer", async () => {
    const f = await parkingFixture(moto);
    const binary = Buffer.from([0x00, 0xff, 0x7b, 0xc3, 0x28]);
    const json = Buffer.from('{"eventId":"r-2","n":98765432109876543210}');
    const envelope = Buffer.from(JSON.stringify({ ingestReplay: 1, originalSequenceNumber: "42", originalShardId: "shardId-000000000009", originalArrivalTimestamp: 1767000000.5, payload: json.toString("base64") }));
    await putIntoStream(f, "before", Buffer.from("not in the batch"));
    const first = await putIntoStream(f, "r-1", binary);
    await putIntoStream(f, "r-2", json);
    const last = await putIntoStream(f, "r-3", envelope);
    await putIntoStream(f, "after", Buffer.from("not in the batch either"));
    // A record whose parking message would pass SQS's 1 MiB: its payload goes to parked/.
    const large = randomBytes(900_000);
    const alone = await putIntoStream(f, "r-4", large);
    await send(f.clients.sqs, f.failureQueueUrl, failurePointer(f.streamArn, { shardId: first.shardId, start: first.sequenceNumber, end: last.sequenceNumber, batchSize: 3 }));
    await send(f.clients.sqs, f.failureQueueUrl, failurePointer(f.streamArn, { shardId: alone.shardId, start: alone.sequenceNumber, end: alone.sequenceNumber, batchSize: 1 }));
    const arrivals = new Map((await streamRecords(f)).map((r) => [r.sequenceNumber, r]));

    const summary = await redrive(f.clients, options(f));

    const messages = new Map((await parked(f)).map((m) => [m.partitionKey, m]));
    expect([...messages.keys()].sort()).toEqual(["r-1", "r-2", "r-3", "r-4"]);
    const common = { version: 1, reason: "redriven", streamArn: f.streamArn, parkedAt: PARKED_AT.toISOString() };
    expect(messages.get("r-1")).toEqual({
      ...common,
      detail: expect.stringContaining("RetryAttemptsExhausted"),
      shardId: first.shardId,
      sequenceNumber: first.sequenceNumber,
      partitionKey: "r-1",
      approximateArrivalTimestamp: arrivals.get(first.sequenceNumber)!.arrival,
      payload: binary.toString("base64"),
      payloadSha256: sha256(binary),
    });
    expect(Buffer.from(messages.get("r-2").payload, "base64").equals(json)).toBe(true);
    // A record that was a replay is parked as its original: first place in time, inner payload.
    expect(messages.get("r-3")).toMatchObject({ ...common, shardId: "shardId-000000000009", sequenceNumber: "42", approximateArrivalTimestamp: 1767000000.5, payload: json.toString("base64"), payloadSha256: sha256(json) });
    const big = messages.get("r-4");
    expect(big.payload).toBeUndefined();
    expect(big.payloadObject).toEqual({ bucket: f.bucket, key: `parked/${alone.shardId}/${alone.sequenceNumber}` });
    expect((await objectBytes(f, big.payloadObject.key)).equals(large)).toBe(true);
    expect(big.payloadSha256).toBe(sha256(large));

    expect(await messagesIn(f.clients.sqs, f.failureQueueUrl)).toEqual([]);
    expect(summary.count(FAILURE_QUEUE, Outcome.REDRIVEN)).toBe(2);
    expect(summary.count(FAILURE_QUEUE, RECORDS_PARKED)).toBe(4);
    expect(summary.problems).toBe(0);
  });

  it("keeps, loudly, each pointer whose records the stream no longer holds whole", async () => {
    const f = await parkingFixture(moto);
    const a = await putIntoStream(f, "a", Buffer.from("a"));
    const b = await putIntoStream(f, "b", Buffer.from("b"));
    const pointers = [
      // Its first record is gone (a sequence number before any the shard holds now).
      { shardId: a.shardId, start: (BigInt(a.sequenceNumber) - 1n).toString(), end: b.sequenceNumber, batchSize: 3 },
      // The stream holds two of the three records between start and end.
      { shardId: a.shardId, start: a.sequenceNumber, end: b.sequenceNumber, batchSize: 3 },
      // A shard the stream does not have.
      { shardId: "shardId-000000000007", start: a.sequenceNumber, end: b.sequenceNumber, batchSize: 2 },
    ];
    for (const p of pointers) await send(f.clients.sqs, f.failureQueueUrl, failurePointer(f.streamArn, p));
    const lines: string[] = [];

    const summary = await redrive(f.clients, options(f, { progress: (l) => lines.push(l) }));

    expect(await messagesIn(f.clients.sqs, f.failureQueueUrl)).toHaveLength(3);
    expect(await parked(f)).toEqual([]);
    expect(summary.count(FAILURE_QUEUE, Outcome.NOT_IN_STREAM)).toBe(3);
    expect(summary.problems).toBe(3);
    expect(lines.filter((l) => l.startsWith("!! failure queue: pointer"))).toHaveLength(3);
  });

  it("changes nothing on a dry run", async () => {
    const f = await parkingFixture(moto);
    const a = await putIntoStream(f, "a", Buffer.from("a"));
    await send(f.clients.sqs, f.failureQueueUrl, failurePointer(f.streamArn, { shardId: a.shardId, start: a.sequenceNumber, end: a.sequenceNumber, batchSize: 1 }));

    const summary = await redrive(f.clients, options(f, { dryRun: true }));

    expect(await messagesIn(f.clients.sqs, f.failureQueueUrl)).toHaveLength(1);
    expect(await parked(f)).toEqual([]);
    expect(await objectKeys(f, "")).toEqual([]);
    expect(summary.count(FAILURE_QUEUE, Outcome.WOULD_REDRIVE)).toBe(1);
  });

  it("exits non-zero from the command line when a pointer could not be redriven", async () => {
    const f = await parkingFixture(moto);
    await send(f.clients.sqs, f.failureQueueUrl, failurePointer(f.streamArn, { shardId: "shardId-000000000000", start: "1", end: "2", batchSize: 2 }));
    const root = projectRoot();
    const run = promisify(execFile)(
      process.execPath,
      [path.join(root, "scripts", "run-ts.js"), "scripts/redrive.ts", "no-such-stack", "--endpoint", moto.endpoint, "--region", moto.clientConfig.region, "--failure-queue-url", f.failureQueueUrl, "--queue-url", f.queueUrl, "--bucket", f.bucket],
      { cwd: root, env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" } },
    );
    await expect(run).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining(`failure queue: ${Outcome.NOT_IN_STREAM} 1`) });
    expect(await messagesIn(f.clients.sqs, f.failureQueueUrl)).toHaveLength(1);
  });
});
