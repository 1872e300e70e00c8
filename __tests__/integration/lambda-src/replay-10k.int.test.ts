/**
 * The "Done when" replay, on moto: 10,000 records (5% poison of every kind, 5% duplicates,
 * numbers beyond 2^53 in every good record) through the consumer in batches of 100, its AWS calls
 * through the deploy tier's call recorder so that a throttling burst and an AccessDenied phase can
 * be injected. A batch is retried as the event source mapping does: the whole batch after a
 * function error, the reported records after a partial failure. Prints the counts.
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import { parse as parseLossless } from "lossless-json";
import { processKinesisEvent } from "../../../lambda-src/stream-consumer/consume";
import { ParkingMessage, ParkingTarget } from "../../../lambda-src/stream-consumer/park";
import { ItemWriter } from "../../../lambda-src/stream-consumer/writer";
import { CallRecorder, credentialsFor, Fault, startCallRecorder } from "../../deploy/support/aws-call-recorder";
import { kinesisEvent, lambdaContext, recordingLogger } from "../../helpers/kinesis";
import { startMoto, MotoServer } from "../../helpers/moto";
import { mixedBatch, POISON_KINDS } from "../../helpers/records";
import { receiveAll } from "../../helpers/queues";
import { scanAll } from "../../helpers/tables";

jest.setTimeout(600_000);

const TABLE = "events";
const BUCKET = "failures";
const CONSUMER = "role/consumer";
let moto: MotoServer;
let recorder: CallRecorder;
let parking: ParkingTarget;
let sqs: SQSClient;

beforeAll(async () => {
  moto = await startMoto();
  recorder = await startCallRecorder(moto.endpoint);
  const admin = moto.clientConfig;
  await new DynamoDBClient(admin).send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: "eventId", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "eventId", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  sqs = new SQSClient(admin);
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "parking" }))).QueueUrl!;
  await new S3Client({ ...admin, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
  // The consumer's clients go through the recorder, signed as the consumer's role.
  const asConsumer = { ...admin, endpoint: recorder.endpoint, credentials: credentialsFor(CONSUMER) };
  const consumerSqs = new SQSClient(asConsumer);
  const consumerS3 = new S3Client({ ...asConsumer, forcePathStyle: true });
  parking = {
    queueUrl,
    bucket: BUCKET,
    sendMessage: (input) => consumerSqs.send(new SendMessageCommand(input)),
    putObject: (input) => consumerS3.send(new PutObjectCommand(input)),
  };
});
afterAll(async () => {
  await recorder?.close();
  await moto?.stop();
});

const consumerDoc = () => DynamoDBDocumentClient.from(new DynamoDBClient({ ...moto.clientConfig, endpoint: recorder.endpoint, credentials: credentialsFor(CONSUMER) }));

const parkedCount = async () =>
  Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: parking.queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }))).Attributes!.ApproximateNumberOfMessages);

it("ends with exactly the unique good events in the table (exact values) and exactly the poison parked, byte-exact; AccessDenied fails invocations instead of parking", async () => {
  const batch = mixedBatch(10_000, 0.05, 0.05, 11);
  const counts = { invocations: 0, failedInvocations: 0, deniedInvocations: 0, partialFailures: 0, throttledCalls: 0, deniedCalls: 0 };
  const doc = consumerDoc();
  const invoke = async (records: KinesisStreamRecord[]) => {
    counts.invocations++;
    const writer = new ItemWriter(doc, { tableName: TABLE, deadline: Date.now() + 58_000 });
    return processKinesisEvent(kinesisEvent(records), lambdaContext(60_000), { writer, schema: { partitionKey: "eventId", partitionKeyMustMatch: true }, parking, logger: recordingLogger() });
  };
  /**
   * One batch as the mapping runs it (ReportBatchItemFailures on Kinesis): retried whole after a
   * function error; after a partial failure, re-delivered from the lowest reported record on.
   */
  const runBatch = async (records: KinesisStreamRecord[], onFunctionError: (e: Error) => void) => {
    let pending = records;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 50) throw new Error("a batch was retried 50 times");
      try {
        const failed = new Set((await invoke(pending)).batchItemFailures.map((f) => f.itemIdentifier));
        if (failed.size > 0) counts.partialFailures++;
        const first = pending.findIndex((r) => failed.has(r.kinesis.sequenceNumber));
        pending = first === -1 ? [] : pending.slice(first);
      } catch (error) {
        counts.failedInvocations++;
        onFunctionError(error as Error);
      }
    }
  };

  const batches: KinesisStreamRecord[][] = [];
  for (let i = 0; i < batch.records.length; i += 100) batches.push(batch.records.slice(i, i + 100));
  let fault: { kind: Fault; left: number } | undefined;
  const started = Date.now();
  recorder.inject(({ principal, target }) => {
    if (!fault || principal !== CONSUMER || !target.endsWith(".PutItem") || fault.left <= 0) return undefined;
    fault.left--;
    if (fault.kind === "throttling") counts.throttledCalls++;
    else counts.deniedCalls++;
    return fault.kind;
  });
  for (const [n, records] of batches.entries()) {
    if (n === 20) fault = { kind: "throttling", left: 400 }; // a burst over batches 20–23
    if (n === 40) fault = { kind: "access-denied", left: Infinity }; // the table refuses three invocations, then access is restored
    const parkedBefore = n === 40 ? await parkedCount() : 0;
    await runBatch(records, (e) => {
      expect(e.name).toBe("AccessDeniedException");
      if (++counts.deniedInvocations === 3) fault = undefined;
    });
    if (n === 40) {
      // The denied invocations parked nothing: only the successful retry parked this batch's poison.
      const poisonHere = records.filter((r) => batch.poison.includes(r)).length;
      expect(counts.deniedInvocations).toBe(3);
      expect((await parkedCount()) - parkedBefore).toBe(poisonHere);
    }
  }
  recorder.inject(undefined);

  // The table: exactly the unique good events, every payload attribute with its exact value.
  const exact = await scanAll(moto.clientConfig, TABLE);
  const asText = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !k.startsWith("_")).map(([k, v]) => [k, typeof v === "object" && v !== null && "value" in v ? String((v as any).value) : String(v)]));
  expect([...exact.keys()].sort()).toEqual([...batch.expected.keys()].sort());
  let wrong = 0;
  for (const [eventId, text] of batch.expected) {
    if (JSON.stringify(asText(exact.get(eventId)!)) !== JSON.stringify(asText(parseLossless(text) as Record<string, unknown>))) wrong++;
  }
  expect(wrong).toBe(0);

  // The parking store: exactly the poison, once each, byte-exact.
  const parked = await receiveAll<ParkingMessage>(sqs, parking.queueUrl, { remove: true });
  const s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
  let byteExact = 0;
  for (const m of parked) {
    const record = batch.poison.find((r) => r.kinesis.sequenceNumber === m.sequenceNumber)!;
    const bytes = m.payloadObject
      ? Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: m.payloadObject.bucket, Key: m.payloadObject.key }))).Body!.transformToByteArray())
      : Buffer.from(m.payload!, "base64");
    if (record && bytes.equals(Buffer.from(record.kinesis.data, "base64"))) byteExact++;
  }
  expect(parked.map((m) => m.sequenceNumber).sort()).toEqual(batch.poison.map((r) => r.kinesis.sequenceNumber).sort());
  expect(byteExact).toBe(batch.poison.length);
  const byReason = Object.fromEntries(POISON_KINDS.map((k) => [k.reason, parked.filter((m) => m.reason === k.reason).length]));
  expect(Object.values(byReason).every((n) => n === batch.poison.length / POISON_KINDS.length)).toBe(true);
  expect(counts.throttledCalls).toBe(400);

  const bigNumbers = [...batch.expected.values()].filter((t) => BigInt(/"big":(\d+)/.exec(t)![1]) > 2n ** 53n).length;
  process.stdout.write(
    `\nreplay of ${batch.records.length} records: ${exact.size} unique good events in the table (${wrong} with a wrong value, ${bigNumbers} with a number > 2^53), ` +
      `${parked.length} parked (${byteExact} byte-exact; ${JSON.stringify(byReason)}), ` +
      `${batch.records.length - batch.poison.length - exact.size} duplicates absorbed; ${counts.invocations} invocations, ` +
      `${counts.failedInvocations} failed (${counts.deniedInvocations} AccessDenied, ${counts.deniedCalls} calls refused), ${counts.partialFailures} partial, ` +
      `${counts.throttledCalls} PutItem calls throttled; ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
});
