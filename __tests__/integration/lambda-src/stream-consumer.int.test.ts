import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { parse as parseLossless } from "lossless-json";
import { processKinesisEvent } from "../../../lambda-src/stream-consumer/consume";
import { ParkingMessage, ParkingTarget } from "../../../lambda-src/stream-consumer/park";
import { ItemWriter, WriteStrategy } from "../../../lambda-src/stream-consumer/writer";
import { kinesisEvent, kinesisRecord, lambdaContext, recordingLogger } from "../../helpers/kinesis";
import { startMoto, MotoServer } from "../../helpers/moto";
import { mixedBatch, POISON_KINDS } from "../../helpers/records";
import { scanAll } from "../../helpers/tables";
import { receiveAll } from "../../helpers/queues";

jest.setTimeout(120_000);

let moto: MotoServer;
let client: DynamoDBDocumentClient;
let sqs: SQSClient;
let s3: S3Client;
let parking: ParkingTarget;
const TABLE = "events";
const BUCKET = "failures";
const schema = { partitionKey: "eventId", partitionKeyMustMatch: true };

beforeAll(async () => {
  moto = await startMoto();
  const raw = new DynamoDBClient(moto.clientConfig);
  client = DynamoDBDocumentClient.from(raw);
  sqs = new SQSClient(moto.clientConfig);
  s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
  await raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: "eventId", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "eventId", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "parking", Attributes: { MessageRetentionPeriod: "1209600" } }))).QueueUrl!;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  parking = {
    queueUrl,
    bucket: BUCKET,
    sendMessage: (input) => sqs.send(new SendMessageCommand(input)),
    putObject: (input) => s3.send(new PutObjectCommand(input)),
  };
});
afterAll(async () => moto?.stop());

/** Every message in the parking queue (received once; they stay invisible for the rest of the test). */
const drainParking = () => receiveAll<ParkingMessage>(sqs, parking.queueUrl);

function run(records: ReturnType<typeof mixedBatch>["records"], strategy: WriteStrategy = "conditional") {
  const writer = new ItemWriter(client, { tableName: TABLE, deadline: Date.now() + 100_000, strategy });
  return processKinesisEvent(kinesisEvent(records), lambdaContext(110_000), { writer, schema, parking, logger: recordingLogger() });
}

/** The stored item's payload attributes, numbers as exact text (the consumer's bookkeeping left out). */
function payloadOf(item: Record<string, any>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(item)
      .filter(([k]) => !k.startsWith("_"))
      .map(([k, v]) => [k, typeof v === "object" && v !== null && "value" in v ? String(v.value) : String(v)]),
  );
}
const expectedPayload = (text: string) =>
  Object.fromEntries(Object.entries(parseLossless(text) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));

describe("stream consumer against DynamoDB, SQS and S3 (moto server)", () => {
  const batch = mixedBatch(500, 0.05, 0.05);

  it("leaves exactly the unique good items at their newest version, numbers beyond 2^53 exact, and parks exactly the poison, byte-exact", async () => {
    const response = await run(batch.records);
    expect(response.batchItemFailures).toEqual([]);
    const table = await scanAll(moto.clientConfig, TABLE);
    expect(batch.poison).toHaveLength(25);
    expect(table.size).toBe(batch.expected.size);
    expect(table.size).toBeLessThan(475); // duplicates really collided
    const exact = table; // scanAll reads numbers as their exact text
    for (const [eventId, text] of batch.expected) expect(payloadOf(exact.get(eventId)!)).toEqual(expectedPayload(text));

    const parked = await drainParking();
    expect(parked.map((m) => m.sequenceNumber).sort()).toEqual(batch.poison.map((r) => r.kinesis.sequenceNumber).sort());
    expect(new Set(parked.map((m) => m.reason))).toEqual(new Set(POISON_KINDS.map((k) => k.reason)));
    for (const message of parked) {
      const record = batch.poison.find((r) => r.kinesis.sequenceNumber === message.sequenceNumber)!;
      expect(message.payload).toBe(record.kinesis.data);
      expect(message.partitionKey).toBe(record.kinesis.partitionKey);
    }
  });

  it("changes nothing when the same batch is replayed", async () => {
    const before = await scanAll(moto.clientConfig, TABLE, { exactNumbers: false });
    const response = await run(batch.records, "read-then-write");
    expect(await scanAll(moto.clientConfig, TABLE, { exactNumbers: false })).toEqual(before);
    expect(response.batchItemFailures).toEqual([]);
    await drainParking();
  });

  it("does not let an older replayed record overwrite a newer item, with either strategy", async () => {
    const newer = [...batch.expected.entries()].find(([, t]) => !t.includes('"version":1,'))!;
    const older = batch.records.find((r) => Buffer.from(r.kinesis.data, "base64").toString().startsWith(`{"eventId":"${newer[0]}","version":1,`))!;
    expect(older).toBeDefined();
    for (const strategy of ["conditional", "read-then-write"] as const) {
      await run([older], strategy);
      expect((await scanAll(moto.clientConfig, TABLE, { exactNumbers: false })).get(newer[0])!.version).toBe(Number(/"version":(\d+)/.exec(newer[1])![1]));
    }
  });

  it("lets the newest of many concurrent duplicates win, whatever order the writers finish in", async () => {
    // 20 invocations at once, each holding a different version of the same 10 keys, started in shuffled order.
    const versions = Array.from({ length: 20 }, (_, v) => v);
    const shuffled = [...versions].sort(() => Math.random() - 0.5);
    await Promise.all(
      shuffled.map((v) =>
        run(
          Array.from({ length: 10 }, (_, k) => kinesisRecord({ eventId: `race-${k}`, v }, { partitionKey: `race-${k}`, sequenceNumber: String(1_000_000 + v) })),
          v % 2 === 0 ? "conditional" : "read-then-write",
        ),
      ),
    );
    const table = await scanAll(moto.clientConfig, TABLE, { exactNumbers: false });
    for (let k = 0; k < 10; k++) expect(table.get(`race-${k}`)).toMatchObject({ v: 19, _sequenceNumber: "1000019" });
  });

  it("parks a record too large for a message in S3 under parked/, byte-exact, and names it in the message", async () => {
    const bytes = Buffer.from(`{"eventId":"huge","blob":"${"z".repeat(1024 * 1024)}"}`);
    const record = kinesisRecord(undefined, { rawData: bytes.toString("base64"), partitionKey: "huge" });
    const response = await run([record]);
    expect(response.batchItemFailures).toEqual([]);
    const [message] = await drainParking();
    expect(message).toMatchObject({ reason: "too-large", sequenceNumber: record.kinesis.sequenceNumber, payloadObject: { bucket: BUCKET } });
    expect(message.payloadObject!.key).toMatch(/^parked\//);
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: message.payloadObject!.key }));
    expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(bytes);
  });

  it("fails the whole invocation, parking nothing, when the table does not exist", async () => {
    const writer = new ItemWriter(client, { tableName: "no-such-table", deadline: Date.now() + 10_000 });
    await expect(
      processKinesisEvent(kinesisEvent([kinesisRecord({ eventId: "a" }, { partitionKey: "a" })]), lambdaContext(), { writer, schema, parking, logger: recordingLogger() }),
    ).rejects.toThrow(/ResourceNotFound|not found|non-existent/i);
    expect(await drainParking()).toEqual([]);
  });
});
