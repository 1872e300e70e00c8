import { BatchGetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  decodeBase64,
  decodeRecord,
  decodeRecordWithOrigin,
  isDynamoDbNumber,
  itemSizeBytes,
  MAX_ITEM_BYTES,
  orderOf,
  PoisonRecordError,
} from "../../../lambda-src/stream-consumer/records";
import { backoffDelay, chunk, ItemWriter, latestPerKey } from "../../../lambda-src/stream-consumer/writer";
import { classifyFailure, CoalescingBatch, processKinesisEvent } from "../../../lambda-src/stream-consumer/consume";
import { MAX_MESSAGE_BYTES, ParkingMessage, ParkingTarget } from "../../../lambda-src/stream-consumer/park";
import { marshall } from "@aws-sdk/util-dynamodb";
import { kinesisEvent, kinesisRecord, lambdaContext, recordingLogger } from "../../helpers/kinesis";

const schema = { partitionKey: "eventId" };
const awsError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name, ...extra });

/** A stub DynamoDB document client: an in-memory table that evaluates the writer's condition, with scripted faults. */
class StubTable {
  readonly items = new Map<string, Record<string, any>>();
  readonly calls: string[] = [];
  /** Number of calls that throw a throttling error. */
  throttleCalls = 0;
  /** Item ids DynamoDB rejects with ValidationException. */
  rejectIds = new Set<string>();
  /** Every call throws this (a broken deployment). */
  failWith?: Error;

  async send(command: any): Promise<any> {
    const name = command.constructor.name;
    this.calls.push(name);
    if (this.failWith) throw this.failWith;
    if (this.throttleCalls > 0) {
      this.throttleCalls--;
      throw awsError("ProvisionedThroughputExceededException");
    }
    if (command instanceof BatchGetCommand) {
      const [table, req] = Object.entries(command.input.RequestItems!)[0];
      const found = req.Keys!.map((k: any) => this.items.get(k.eventId)).filter(Boolean);
      return { Responses: { [table]: found } };
    }
    if (command instanceof PutCommand) {
      const item = command.input.Item!;
      if (this.rejectIds.has(item.eventId)) throw awsError("ValidationException");
      const stored = this.items.get(item.eventId);
      const condition = command.input.ConditionExpression;
      if (condition !== undefined) {
        expect(condition).toBe("attribute_not_exists(#order) OR #order < :order");
        const newer = command.input.ExpressionAttributeValues![":order"];
        if (stored?._order !== undefined && !(stored._order < newer)) throw awsError("ConditionalCheckFailedException");
      }
      this.items.set(item.eventId, item);
      return {};
    }
    throw new Error(`unexpected ${name}`);
  }
}

/** A parking store in memory: the messages and objects, or a scripted failure. */
function memoryParking(failWith?: Error) {
  const messages: ParkingMessage[] = [];
  const objects = new Map<string, Buffer>();
  const target: ParkingTarget = {
    queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/parking",
    bucket: "failures",
    sendMessage: async (input) => {
      if (failWith) throw failWith;
      expect(Buffer.byteLength(input.MessageBody!, "utf8")).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      messages.push(JSON.parse(input.MessageBody!));
    },
    putObject: async (input) => {
      if (failWith) throw failWith;
      objects.set(input.Key!, Buffer.from(input.Body as Buffer));
    },
  };
  return { target, messages, objects };
}

const noSleep = async () => undefined;
function writerFor(table: StubTable, overrides: Partial<ConstructorParameters<typeof ItemWriter>[1]> = {}) {
  return new ItemWriter(table, { tableName: "events", deadline: Date.now() + 60_000, sleep: noSleep, random: () => 0.5, ...overrides });
}
function consume(table: StubTable, records: ReturnType<typeof kinesisRecord>[], options: { logger?: any; parking?: ReturnType<typeof memoryParking>; keySchema?: typeof schema & { partitionKeyMustMatch?: boolean } } = {}) {
  const parking = options.parking ?? memoryParking();
  return processKinesisEvent(kinesisEvent(records), lambdaContext(), {
    writer: writerFor(table),
    schema: options.keySchema ?? schema,
    parking: parking.target,
    logger: options.logger ?? recordingLogger(),
  });
}
const failedIds = (r: { batchItemFailures: { itemIdentifier: string }[] }) => r.batchItemFailures.map((f) => f.itemIdentifier);
const raw = (text: string | Buffer) => ({ rawData: Buffer.from(text).toString("base64") });

describe("decodeRecord", () => {
  it("decodes base64 JSON into the item, adding the sequence number, arrival time and order", () => {
    const record = kinesisRecord({ eventId: "e-1", amount: 12.5, tags: ["a"] }, { sequenceNumber: "42" });
    const decoded = decodeRecord(record, schema);
    expect(decoded).toMatchObject({ key: { eventId: "e-1" }, sequenceNumber: "42", order: orderOf(1767225600.123, "42") });
    expect(marshall(decoded.item)).toEqual(
      marshall({ eventId: "e-1", amount: 12.5, tags: ["a"], _sequenceNumber: "42", _arrivedAt: "2026-01-01T00:00:00.123Z", _order: orderOf(1767225600.123, "42") }),
    );
  });

  it("keeps numbers beyond 2^53 exactly, as DynamoDB number strings", () => {
    const text = '{"eventId":"big","n":12345678901234567890123,"f":0.10000000000000000001,"l":[9007199254740993]}';
    const { item } = decodeRecord(kinesisRecord(undefined, raw(text)), schema);
    const m = marshall(item);
    expect(m.n).toEqual({ N: "12345678901234567890123" });
    expect(m.f).toEqual({ N: "0.10000000000000000001" });
    expect(m.l).toEqual({ L: [{ N: "9007199254740993" }] });
  });

  it("keys on the configured partition and sort keys", () => {
    const decoded = decodeRecord(kinesisRecord({ device: "d1", ts: "2026" }), { partitionKey: "device", sortKey: "ts" });
    expect(decoded.key).toEqual({ device: "d1", ts: "2026" });
  });

  it("orders by arrival time first, then by the sequence number as a number", () => {
    expect(orderOf(100, "9") < orderOf(100, "10")).toBe(true);
    expect(orderOf(100, "99999") < orderOf(101, "1")).toBe(true);
  });

  it.each([
    ["data that is not base64", { rawData: "%%%not-base64%%%" }, "invalid-json"],
    ["data that is not JSON", raw("hello {"), "invalid-json"],
    ["invalid UTF-8", raw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), "invalid-utf8"],
    ["a JSON array", raw("[1,2]"), "schema-violation"],
    ["JSON null", raw("null"), "schema-violation"],
    ["a record without eventId", raw('{"x":1}'), "schema-violation"],
    ["an empty eventId", raw('{"eventId":""}'), "schema-violation"],
    ["a numeric eventId", raw('{"eventId":7}'), "schema-violation"],
    ["an eventId over 1,024 bytes", raw(JSON.stringify({ eventId: "é".repeat(513) })), "schema-violation"],
    ["a number DynamoDB cannot hold", raw('{"eventId":"a","n":1e400}'), "schema-violation"],
    ["an item over 400 KB", raw(JSON.stringify({ eventId: "a", blob: "x".repeat(MAX_ITEM_BYTES) })), "too-large"],
  ])("rejects %s as poison", (_label, options, reason) => {
    try {
      decodeRecord(kinesisRecord(undefined, options), schema);
      throw new Error("expected a PoisonRecordError");
    } catch (e) {
      expect(e).toBeInstanceOf(PoisonRecordError);
      expect((e as PoisonRecordError).reason).toBe(reason);
    }
  });

  it("parks a record whose partition key differs from its eventId when the schema asks for it", () => {
    const forged = kinesisRecord({ eventId: "victim" }, { partitionKey: "attacker" });
    expect(() => decodeRecord(forged, { ...schema, partitionKeyMustMatch: true })).toThrow(/partition-key-mismatch/);
    expect(() => decodeRecord(forged, schema)).not.toThrow();
    expect(() => decodeRecord(kinesisRecord({ eventId: "same" }, { partitionKey: "same" }), { ...schema, partitionKeyMustMatch: true })).not.toThrow();
  });

  it("unwraps a replay envelope: the inner payload, ordered by the original sequence number and arrival", () => {
    const inner = Buffer.from('{"eventId":"r","n":18446744073709551617}');
    const envelope = { ingestReplay: 1, originalSequenceNumber: "77", originalShardId: "shardId-000000000003", originalArrivalTimestamp: 1767000000.5, payload: inner.toString("base64") };
    const decoded = decodeRecord(kinesisRecord(envelope, { sequenceNumber: "99999999" }), schema);
    expect(decoded.sequenceNumber).toBe("77");
    expect(decoded.order).toBe(orderOf(1767000000.5, "77"));
    expect(marshall(decoded.item).n).toEqual({ N: "18446744073709551617" });
    expect(decoded.item).not.toHaveProperty("ingestReplay");
  });

  it("takes no forged envelope's place in time: an arrival after the record's own, over a year before it, or a strange shard is no envelope", () => {
    // The record itself arrived at 1767225600.123 (the helper's default).
    const inner = Buffer.from('{"eventId":"r"}');
    const envelope = (fields: object) => ({ ingestReplay: 1, originalSequenceNumber: "7", originalShardId: "shardId-000000000003", originalArrivalTimestamp: 1767225000, payload: inner.toString("base64"), eventId: "r", ...fields });
    for (const forged of [{ originalArrivalTimestamp: 1e13 }, { originalArrivalTimestamp: 1767225601 }, { originalArrivalTimestamp: 1767225600.123 - 8761 * 3600 }, { originalShardId: "x" }]) {
      const decoded = decodeRecordWithOrigin(kinesisRecord(envelope(forged), { sequenceNumber: "99" }), schema);
      expect(decoded.error).toBeUndefined();
      expect(decoded.origin.sequenceNumber).toBe("99"); // decoded as the record it is, in its own place
    }
    expect(decodeRecordWithOrigin(kinesisRecord(envelope({}), { sequenceNumber: "99" }), schema).origin.sequenceNumber).toBe("7");
  });

  it("accepts an eventId of exactly 1,024 bytes", () => {
    expect(() => decodeRecord(kinesisRecord({ eventId: "x".repeat(1024) }), schema)).not.toThrow();
  });

  it("decodes canonical base64 only", () => {
    expect(decodeBase64(Buffer.from("héllo").toString("base64")).toString("utf8")).toBe("héllo");
    expect(() => decodeBase64("aGVsbG8")).toThrow(PoisonRecordError);
  });

  it("knows DynamoDB's number range", () => {
    expect(["0", "-0.0", "1e125", "9.9999999999999999999999999999999999999E+125", "1E-130", "12345678901234567890123456789012345678"].every(isDynamoDbNumber)).toBe(true);
    expect(["1e126", "1E-131", "123456789012345678901234567890123456789", "1e400"].some(isDynamoDbNumber)).toBe(false);
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

  it("chunks and backs off with capped, jittered exponential delays", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 50, 2000, () => 0.999))).toEqual([49, 99, 199, 399, 1998]);
    expect(backoffDelay(5, 50, 2000, () => 0)).toBe(0);
  });
});

describe("classifyFailure", () => {
  it.each([
    ["ProvisionedThroughputExceededException", {}, "transient"],
    ["ThrottlingException", {}, "transient"],
    ["TimeoutError", {}, "transient"],
    ["InternalFailure", { $metadata: { httpStatusCode: 503 } }, "transient"],
    ["Error", { code: "ECONNRESET" }, "transient"],
    ["Error", { message: "AWS SDK error wrapper for TimeoutError: socket hang up" }, "transient"],
    ["AccessDeniedException", { $metadata: { httpStatusCode: 400 } }, "deployment"],
    ["ResourceNotFoundException", {}, "deployment"],
    ["KMSAccessDeniedException", {}, "deployment"],
    ["ParkingError", {}, "deployment"],
  ])("%s is %s", (name, extra, expected) => {
    expect(classifyFailure(awsError(name, extra))).toBe(expected);
  });
});

describe("CoalescingBatch", () => {
  it("rejects every queued record when the writer throws, leaving no unhandled rejection", async () => {
    const batch = new CoalescingBatch({ writeAll: async () => Promise.reject(awsError("AccessDeniedException")) });
    const item = decodeRecord(kinesisRecord({ eventId: "a" }), schema);
    await expect(Promise.all([batch.add(item), batch.add(item)])).rejects.toThrow("AccessDeniedException");
  });
});

describe("processKinesisEvent", () => {
  it("writes every good record with a conditional PutItem, and reads nothing first by default", async () => {
    const table = new StubTable();
    const records = Array.from({ length: 60 }, (_, i) => kinesisRecord({ eventId: `e-${i}`, i }));
    const response = await consume(table, records);
    expect(response.batchItemFailures).toEqual([]);
    expect(table.items.size).toBe(60);
    expect(table.calls).toEqual(Array(60).fill("PutCommand"));
  });

  it("with read-then-write, reads strongly consistently and skips what is current", async () => {
    const table = new StubTable();
    const records = [kinesisRecord({ eventId: "a" }, { sequenceNumber: "10" }), kinesisRecord({ eventId: "b" }, { sequenceNumber: "11" })];
    await consume(table, records);
    table.calls.length = 0;
    const sent: any[] = [];
    const spy = { send: (c: any) => (sent.push(c), table.send(c)) };
    const writer = new ItemWriter(spy, { tableName: "events", deadline: Date.now() + 60_000, strategy: "read-then-write" });
    const response = await processKinesisEvent(kinesisEvent(records), lambdaContext(), { writer, schema, parking: memoryParking().target, logger: recordingLogger() });
    expect(response.batchItemFailures).toEqual([]);
    expect(table.calls).toEqual(["BatchGetCommand"]);
    expect(sent[0].input.RequestItems.events.ConsistentRead).toBe(true);
  });

  it("retries a throttled call with backoff", async () => {
    const table = new StubTable();
    table.throttleCalls = 2;
    const response = await consume(table, [kinesisRecord({ eventId: "a" }), kinesisRecord({ eventId: "b" })]);
    expect(response.batchItemFailures).toEqual([]);
    expect(table.items.size).toBe(2);
  });

  it("reports the records still unwritten when throttling outlasts the function's time, and loses none of them", async () => {
    const table = new StubTable();
    table.throttleCalls = 1000;
    const records = Array.from({ length: 8 }, (_, i) => kinesisRecord({ eventId: `e-${i}` }));
    const writer = writerFor(table, { deadline: Date.now() + 150, sleep: noSleep, random: () => 0.999, baseDelayMs: 100 });
    const parking = memoryParking();
    const response = await processKinesisEvent(kinesisEvent(records), lambdaContext(), { writer, schema, parking: parking.target, logger: recordingLogger() });
    expect(failedIds(response).sort()).toEqual(records.map((r) => r.kinesis.sequenceNumber).sort());
    expect(parking.messages).toEqual([]);
  });

  it("parks a poison record behind a retried one only on the delivery that gets past it, so it is parked once", async () => {
    const table = new StubTable();
    table.throttleCalls = 1000;
    const good = kinesisRecord({ eventId: "g-1" }, { sequenceNumber: "100" });
    const poison = kinesisRecord(undefined, { ...raw("not json"), sequenceNumber: "200" });
    const parking = memoryParking();
    const run = (deadlineMs: number) =>
      processKinesisEvent(kinesisEvent([good, poison]), lambdaContext(), {
        writer: writerFor(table, { deadline: Date.now() + deadlineMs, sleep: noSleep, random: () => 0.999, baseDelayMs: 100 }),
        schema,
        parking: parking.target,
        logger: recordingLogger(),
      });
    // Lambda re-delivers from the lowest reported record: the poison one comes again with it.
    expect(failedIds(await run(150))).toEqual(["100", "200"]);
    expect(parking.messages).toEqual([]);
    table.throttleCalls = 0;
    expect(failedIds(await run(5000))).toEqual([]);
    expect(parking.messages.map((m) => [m.sequenceNumber, m.reason])).toEqual([["200", "invalid-json"]]);
  });

  it("parks every poison record at once with its exact bytes, and reports none for retry", async () => {
    const table = new StubTable();
    const parking = memoryParking();
    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0xc3, 0x28, 0x7d]);
    const records = [
      kinesisRecord(undefined, raw("nope")),
      kinesisRecord(undefined, raw(invalidUtf8)),
      kinesisRecord({ noId: true }),
      kinesisRecord({ eventId: "big", blob: "x".repeat(MAX_ITEM_BYTES) }),
      kinesisRecord({ eventId: "good" }),
    ];
    const response = await consume(table, records, { parking });
    expect(response.batchItemFailures).toEqual([]);
    expect([...table.items.keys()]).toEqual(["good"]);
    expect(parking.messages.map((m) => m.reason).sort()).toEqual(["invalid-json", "invalid-utf8", "schema-violation", "too-large"]);
    for (const message of parking.messages) {
      const record = records.find((r) => r.kinesis.sequenceNumber === message.sequenceNumber)!;
      expect(message).toMatchObject({
        version: 1,
        streamArn: record.eventSourceARN,
        shardId: "shardId-000000000000",
        partitionKey: record.kinesis.partitionKey,
        approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
        payload: record.kinesis.data,
      });
    }
    expect(Buffer.from(parking.messages.find((m) => m.reason === "invalid-utf8")!.payload!, "base64")).toEqual(invalidUtf8);
  });

  it("parks a record whose message would exceed 1 MiB as an S3 object under parked/, named by the message", async () => {
    const parking = memoryParking();
    const bytes = Buffer.from(`{"eventId":"huge","blob":"${"y".repeat(900 * 1024)}"}`);
    const record = kinesisRecord(undefined, { rawData: bytes.toString("base64") });
    const response = await consume(new StubTable(), [record], { parking });
    expect(response.batchItemFailures).toEqual([]);
    const [message] = parking.messages;
    expect(message).toMatchObject({ reason: "too-large", payloadObject: { bucket: "failures", key: `parked/events/shardId-000000000000/${record.kinesis.sequenceNumber}` } });
    expect(message.payload).toBeUndefined();
    // Buffer.equals, not toEqual: jest compares a Buffer element by element (seconds for 900 KB).
    expect(parking.objects.get(message.payloadObject!.key)?.equals(bytes)).toBe(true);
  });

  it("parks a replayed poison record under its original sequence number, shard and arrival, with the inner payload", async () => {
    const parking = memoryParking();
    const inner = Buffer.from("still not json");
    const envelope = { ingestReplay: 1, originalSequenceNumber: "12", originalShardId: "shardId-000000000002", originalArrivalTimestamp: 1767000000.25, payload: inner.toString("base64") };
    await consume(new StubTable(), [kinesisRecord(envelope, { sequenceNumber: "999" })], { parking });
    expect(parking.messages).toEqual([
      expect.objectContaining({ reason: "invalid-json", sequenceNumber: "12", shardId: "shardId-000000000002", approximateArrivalTimestamp: 1767000000.25, payload: inner.toString("base64") }),
    ]);
  });

  it("parks a partition-key mismatch when the schema asks for it", async () => {
    const parking = memoryParking();
    const table = new StubTable();
    await consume(table, [kinesisRecord({ eventId: "victim" }, { partitionKey: "forged" })], { parking, keySchema: { ...schema, partitionKeyMustMatch: true } });
    expect(parking.messages.map((m) => m.reason)).toEqual(["partition-key-mismatch"]);
    expect(table.items.size).toBe(0);
  });

  it("fails the whole invocation when the table refuses access, parking nothing", async () => {
    const table = new StubTable();
    table.failWith = awsError("AccessDeniedException", { $metadata: { httpStatusCode: 400 } });
    const parking = memoryParking();
    await expect(consume(table, [kinesisRecord({ eventId: "a" }), kinesisRecord({ noId: 1 })], { parking })).rejects.toThrow("AccessDeniedException");
    // The poison record in the failed invocation is not parked: the retry will park it once.
    expect(parking.messages).toEqual([]);
  });

  it("fails the whole invocation when a poison record cannot be parked", async () => {
    const parking = memoryParking(awsError("AccessDenied"));
    await expect(consume(new StubTable(), [kinesisRecord({ noId: 1 })], { parking })).rejects.toThrow(/could not park/);
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
    expect(table.calls).toEqual(["PutCommand"]);
  });

  it("never lets a replay or an older record overwrite a newer item: the write is conditional", async () => {
    const table = new StubTable();
    await consume(table, [kinesisRecord({ eventId: "k", v: "new" }, { sequenceNumber: "5000" })]);
    const replay = await consume(table, [kinesisRecord({ eventId: "k", v: "stale" }, { sequenceNumber: "4000" })]);
    expect(replay.batchItemFailures).toEqual([]);
    expect(table.items.get("k")).toMatchObject({ v: "new" });
  });

  it("parks an item DynamoDB rejects and writes the others", async () => {
    const table = new StubTable();
    table.rejectIds.add("deep");
    const parking = memoryParking();
    const records = [kinesisRecord({ eventId: "ok1" }), kinesisRecord({ eventId: "deep" }), kinesisRecord({ eventId: "ok2" })];
    const response = await consume(table, records, { parking });
    expect(response.batchItemFailures).toEqual([]);
    expect(parking.messages.map((m) => [m.reason, m.sequenceNumber])).toEqual([["schema-violation", records[1].kinesis.sequenceNumber]]);
    expect([...table.items.keys()].sort()).toEqual(["ok1", "ok2"]);
  });

  it("logs which record was parked and why, never its payload or its numbers", async () => {
    const logger = recordingLogger();
    const secret = "card-4111111111111111";
    await consume(new StubTable(), [kinesisRecord({ secret }), kinesisRecord(undefined, raw('{"eventId":"n","n":1e400}'))], { logger });
    const warning = logger.lines.find((l: any) => l.level === "warn");
    expect(warning.fields).toMatchObject({ reason: "schema-violation", partitionKey: "pk" });
    expect(JSON.stringify(logger.lines)).not.toContain(secret);
    expect(JSON.stringify(logger.lines)).not.toContain("1e400");
  });
});
