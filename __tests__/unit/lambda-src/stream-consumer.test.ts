import { BatchGetCommand, BatchWriteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  decodeBase64,
  decodeRecord,
  isLaterSequence,
  itemSizeBytes,
  MAX_ITEM_BYTES,
  PoisonRecordError,
} from "../../../lambda-src/stream-consumer/records";
import { backoffDelay, chunk, ItemWriter, latestPerKey } from "../../../lambda-src/stream-consumer/writer";
import { processKinesisEvent } from "../../../lambda-src/stream-consumer/consume";
import { marshall } from "@aws-sdk/util-dynamodb";
import { kinesisEvent, kinesisRecord, lambdaContext, recordingLogger } from "../../helpers/kinesis";

const schema = { partitionKey: "eventId" };

/** A stub DynamoDB document client: an in-memory table, with scripted faults. */
class StubTable {
  readonly items = new Map<string, Record<string, any>>();
  readonly calls: string[] = [];
  /** Number of BatchWriteItem calls that return half their items as unprocessed. */
  unprocessedRounds = 0;
  /** Number of calls that throw a throttling error. */
  throttleCalls = 0;
  /** Item ids DynamoDB rejects with ValidationException. */
  rejectIds = new Set<string>();

  async send(command: any): Promise<any> {
    const name = command.constructor.name;
    this.calls.push(name);
    if (this.throttleCalls > 0) {
      this.throttleCalls--;
      throw Object.assign(new Error("Rate exceeded"), { name: "ProvisionedThroughputExceededException" });
    }
    if (command instanceof BatchGetCommand) {
      const [table, req] = Object.entries(command.input.RequestItems!)[0];
      const found = req.Keys!.map((k: any) => this.items.get(k.eventId)).filter(Boolean);
      return { Responses: { [table]: found } };
    }
    if (command instanceof BatchWriteCommand) {
      const [table, reqs] = Object.entries(command.input.RequestItems!)[0];
      if (reqs.length > 25) throw Object.assign(new Error("too many"), { name: "ValidationException" });
      if (reqs.some((r: any) => this.rejectIds.has(r.PutRequest.Item.eventId))) {
        throw Object.assign(new Error("Nesting Levels have exceeded supported limits"), { name: "ValidationException" });
      }
      let accepted = reqs;
      let unprocessed: any[] = [];
      if (this.unprocessedRounds > 0) {
        this.unprocessedRounds--;
        accepted = reqs.slice(0, Math.ceil(reqs.length / 2));
        unprocessed = reqs.slice(accepted.length);
      }
      for (const r of accepted) this.items.set(r.PutRequest!.Item!.eventId, r.PutRequest!.Item!);
      return { UnprocessedItems: unprocessed.length ? { [table]: unprocessed } : {} };
    }
    if (command instanceof PutCommand) {
      if (this.rejectIds.has(command.input.Item!.eventId)) {
        throw Object.assign(new Error("Nesting Levels have exceeded supported limits"), { name: "ValidationException" });
      }
      this.items.set(command.input.Item!.eventId, command.input.Item!);
      return {};
    }
    throw new Error(`unexpected ${name}`);
  }
}

const noSleep = async () => undefined;
function writerFor(table: StubTable, overrides: Partial<ConstructorParameters<typeof ItemWriter>[1]> = {}) {
  return new ItemWriter(table, { tableName: "events", deadline: Date.now() + 60_000, sleep: noSleep, random: () => 0.5, ...overrides });
}
function consume(table: StubTable, records: ReturnType<typeof kinesisRecord>[], logger = recordingLogger()) {
  return processKinesisEvent(kinesisEvent(records), lambdaContext(), { writer: writerFor(table), schema, logger });
}
const failedIds = (r: { batchItemFailures: { itemIdentifier: string }[] }) => r.batchItemFailures.map((f) => f.itemIdentifier);

describe("decodeRecord", () => {
  it("decodes base64 JSON into the item, adding the sequence number and arrival time", () => {
    const record = kinesisRecord({ eventId: "e-1", amount: 12.5, tags: ["a"] }, { sequenceNumber: "42" });
    expect(decodeRecord(record, schema)).toMatchObject({
      key: { eventId: "e-1" },
      sequenceNumber: "42",
      item: { eventId: "e-1", amount: 12.5, tags: ["a"], _sequenceNumber: "42", _arrivedAt: "2026-01-01T00:00:00.123Z" },
    });
  });

  it("keys on the configured partition and sort keys", () => {
    const decoded = decodeRecord(kinesisRecord({ device: "d1", ts: "2026" }), { partitionKey: "device", sortKey: "ts" });
    expect(decoded.key).toEqual({ device: "d1", ts: "2026" });
  });

  it.each([
    ["data that is not base64", { rawData: "%%%not-base64%%%" }, "not-base64"],
    ["base64 with bad padding", { rawData: "YWJj=" }, "not-base64"],
    ["data that is not JSON", { rawData: Buffer.from("hello {").toString("base64") }, "not-json"],
    ["a JSON array", { rawData: Buffer.from("[1,2]").toString("base64") }, "not-an-object"],
    ["JSON null", { rawData: Buffer.from("null").toString("base64") }, "not-an-object"],
    ["a record without eventId", { rawData: Buffer.from('{"x":1}').toString("base64") }, "missing-key"],
    ["an empty eventId", { rawData: Buffer.from('{"eventId":""}').toString("base64") }, "missing-key"],
    ["a numeric eventId", { rawData: Buffer.from('{"eventId":7}').toString("base64") }, "missing-key"],
    ["an eventId over 1,024 bytes", { rawData: Buffer.from(JSON.stringify({ eventId: "é".repeat(513) })).toString("base64") }, "key-too-long"],
    ["a number DynamoDB cannot hold", { rawData: Buffer.from('{"eventId":"a","n":1e400}').toString("base64") }, "unsupported-value"],
    ["an item over 400 KB", { rawData: Buffer.from(JSON.stringify({ eventId: "a", blob: "x".repeat(MAX_ITEM_BYTES) })).toString("base64") }, "item-too-large"],
  ])("rejects %s as poison", (_label, options, reason) => {
    try {
      decodeRecord(kinesisRecord(undefined, options), schema);
      throw new Error("expected a PoisonRecordError");
    } catch (e) {
      expect(e).toBeInstanceOf(PoisonRecordError);
      expect((e as PoisonRecordError).reason).toBe(reason);
    }
  });

  it("accepts an eventId of exactly 1,024 bytes", () => {
    expect(() => decodeRecord(kinesisRecord({ eventId: "x".repeat(1024) }), schema)).not.toThrow();
  });

  it("decodes canonical base64 only", () => {
    expect(decodeBase64(Buffer.from("héllo").toString("base64"))).toBe("héllo");
    expect(() => decodeBase64("aGVsbG8")).toThrow(PoisonRecordError);
  });
});

describe("itemSizeBytes", () => {
  it("counts attribute names and values as DynamoDB does", () => {
    // "id"(2)+"abc"(3) + "n"(1)+number(2) + "ok"(2)+1 + "l"(1)+3+(1+1)+(1+1)
    expect(itemSizeBytes(marshall({ id: "abc", n: 12, ok: true, l: ["a", "b"] }))).toBe(5 + 3 + 3 + 8);
  });
});

describe("latestPerKey and helpers", () => {
  it("keeps the newest record per key, whatever the order", () => {
    const a = decodeRecord(kinesisRecord({ eventId: "k", v: 1 }, { sequenceNumber: "100" }), schema);
    const b = decodeRecord(kinesisRecord({ eventId: "k", v: 2 }, { sequenceNumber: "99999999999999999999999999999" }), schema);
    const c = decodeRecord(kinesisRecord({ eventId: "other" }, { sequenceNumber: "5" }), schema);
    const { latest, superseded } = latestPerKey([b, a, c]);
    expect(latest).toEqual([b, c]);
    expect(superseded.get(a)).toBe(b);
  });

  it("compares sequence numbers as big integers, not strings", () => {
    expect(isLaterSequence("100", "99")).toBe(true);
    expect(isLaterSequence("49590338271490256608559692538361571095921575989136588899", "49590338271490256608559692538361571095921575989136588898")).toBe(true);
    expect(isLaterSequence("7", "7")).toBe(false);
  });

  it("chunks and backs off with capped, jittered exponential delays", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 50, 2000, () => 0.999))).toEqual([49, 99, 199, 399, 1998]);
    expect(backoffDelay(5, 50, 2000, () => 0)).toBe(0);
  });
});

describe("processKinesisEvent", () => {
  it("writes every good record with BatchWriteItem in groups of 25, never one call per record", async () => {
    const table = new StubTable();
    const records = Array.from({ length: 60 }, (_, i) => kinesisRecord({ eventId: `e-${i}`, i }));
    const response = await consume(table, records);
    expect(response.batchItemFailures).toEqual([]);
    expect(table.items.size).toBe(60);
    expect(table.calls.filter((c) => c === "BatchWriteCommand")).toHaveLength(3);
    expect(table.calls.filter((c) => c === "BatchGetCommand")).toHaveLength(1);
    expect(table.calls).not.toContain("PutCommand");
  });

  it("retries UnprocessedItems (throttling) with backoff until every item is written", async () => {
    const table = new StubTable();
    table.unprocessedRounds = 3;
    const sleeps: number[] = [];
    const records = Array.from({ length: 20 }, (_, i) => kinesisRecord({ eventId: `e-${i}` }));
    const writer = writerFor(table, { sleep: async (ms) => void sleeps.push(ms), random: () => 0.999 });
    const response = await processKinesisEvent(kinesisEvent(records), lambdaContext(), { writer, schema, logger: recordingLogger() });
    expect(response.batchItemFailures).toEqual([]);
    expect(table.items.size).toBe(20);
    expect(table.calls.filter((c) => c === "BatchWriteCommand")).toHaveLength(4);
    expect(sleeps).toEqual([49, 99, 199]);
  });

  it("retries a throttled call as a whole", async () => {
    const table = new StubTable();
    table.throttleCalls = 2;
    const response = await consume(table, [kinesisRecord({ eventId: "a" }), kinesisRecord({ eventId: "b" })]);
    expect(response.batchItemFailures).toEqual([]);
    expect(table.items.size).toBe(2);
  });

  it("reports the records still unwritten when the function's time runs out, and loses none of them", async () => {
    const table = new StubTable();
    table.unprocessedRounds = 100;
    const records = Array.from({ length: 8 }, (_, i) => kinesisRecord({ eventId: `e-${i}` }));
    const writer = writerFor(table, { deadline: Date.now() + 150, sleep: noSleep, random: () => 0.999, baseDelayMs: 100 });
    const response = await processKinesisEvent(kinesisEvent(records), lambdaContext(), { writer, schema, logger: recordingLogger() });
    const written = new Set([...table.items.keys()]);
    const failed = new Set(failedIds(response));
    expect(failed.size).toBeGreaterThan(0);
    for (const r of records) {
      const id = JSON.parse(Buffer.from(r.kinesis.data, "base64").toString()).eventId;
      expect(written.has(id) !== failed.has(r.kinesis.sequenceNumber)).toBe(true); // each record: written xor reported
    }
  });

  it("reports every record of a batch that is all poison, by sequence number, and writes nothing", async () => {
    const table = new StubTable();
    const records = [
      kinesisRecord(undefined, { rawData: "!!" }),
      kinesisRecord(undefined, { rawData: Buffer.from("nope").toString("base64") }),
      kinesisRecord({ noId: true }),
      kinesisRecord({ eventId: "big", blob: "x".repeat(MAX_ITEM_BYTES) }),
    ];
    const response = await consume(table, records);
    expect(failedIds(response)).toEqual(records.map((r) => r.kinesis.sequenceNumber));
    expect(table.calls.filter((c) => c === "BatchWriteCommand")).toEqual([]);
  });

  it("writes the good records around poison ones and reports only the poison", async () => {
    const table = new StubTable();
    const good = [kinesisRecord({ eventId: "g1" }), kinesisRecord({ eventId: "g2" })];
    const poison = kinesisRecord({ missing: "eventId" });
    const response = await consume(table, [good[0], poison, good[1]]);
    expect(failedIds(response)).toEqual([poison.kinesis.sequenceNumber]);
    expect([...table.items.keys()].sort()).toEqual(["g1", "g2"]);
  });

  it("writes one item per key for duplicates inside one batch, keeping the newest", async () => {
    const table = new StubTable();
    const records = [
      kinesisRecord({ eventId: "dup", v: "old" }, { sequenceNumber: "1000" }),
      kinesisRecord({ eventId: "dup", v: "new" }, { sequenceNumber: "3000" }),
      kinesisRecord({ eventId: "dup", v: "middle" }, { sequenceNumber: "2000" }),
    ];
    const response = await consume(table, records);
    expect(response.batchItemFailures).toEqual([]);
    expect(table.items.get("dup")).toMatchObject({ v: "new", _sequenceNumber: "3000" });
    const writes = table.calls.filter((c) => c === "BatchWriteCommand");
    expect(writes).toHaveLength(1);
  });

  it("neither rewrites on replay nor lets an older record overwrite a newer item", async () => {
    const table = new StubTable();
    await consume(table, [kinesisRecord({ eventId: "k", v: "new" }, { sequenceNumber: "5000" })]);
    table.calls.length = 0;
    const replay = await consume(table, [
      kinesisRecord({ eventId: "k", v: "new" }, { sequenceNumber: "5000" }),
      kinesisRecord({ eventId: "k", v: "stale" }, { sequenceNumber: "4000" }),
    ]);
    expect(replay.batchItemFailures).toEqual([]);
    expect(table.items.get("k")).toMatchObject({ v: "new" });
    expect(table.calls).toEqual(["BatchGetCommand"]);
  });

  it("isolates an item DynamoDB rejects and reports only that record", async () => {
    const table = new StubTable();
    table.rejectIds.add("deep");
    const records = [kinesisRecord({ eventId: "ok1" }), kinesisRecord({ eventId: "deep" }), kinesisRecord({ eventId: "ok2" })];
    const response = await consume(table, records);
    expect(failedIds(response)).toEqual([records[1].kinesis.sequenceNumber]);
    expect([...table.items.keys()].sort()).toEqual(["ok1", "ok2"]);
  });

  it("logs which record failed and why, never its payload", async () => {
    const logger = recordingLogger();
    const secret = "card-4111111111111111";
    await consume(new StubTable(), [kinesisRecord({ secret })], logger);
    const warning = logger.lines.find((l: any) => l.level === "warn");
    expect(warning.fields).toMatchObject({ reason: "missing-key", partitionKey: "pk" });
    expect(JSON.stringify(logger.lines)).not.toContain(secret);
  });
});
