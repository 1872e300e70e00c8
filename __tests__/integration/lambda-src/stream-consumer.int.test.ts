import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { processKinesisEvent } from "../../../lambda-src/stream-consumer/consume";
import { ItemWriter } from "../../../lambda-src/stream-consumer/writer";
import { kinesisEvent, lambdaContext, recordingLogger } from "../../helpers/kinesis";
import { startMoto, MotoServer } from "../../helpers/moto";
import { mixedBatch } from "../../helpers/records";

jest.setTimeout(60_000);

let moto: MotoServer;
let client: DynamoDBDocumentClient;
const TABLE = "events";

beforeAll(async () => {
  moto = await startMoto();
  const raw = new DynamoDBClient(moto.clientConfig);
  client = DynamoDBDocumentClient.from(raw);
  await raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: "eventId", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "eventId", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
});
afterAll(async () => moto?.stop());

async function scanAll(): Promise<Map<string, Record<string, any>>> {
  const items = new Map<string, Record<string, any>>();
  let ExclusiveStartKey: Record<string, any> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey }));
    for (const item of page.Items ?? []) items.set(item.eventId, item);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

function run(records: ReturnType<typeof mixedBatch>["records"]) {
  const writer = new ItemWriter(client, { tableName: TABLE, deadline: Date.now() + 50_000 });
  return processKinesisEvent(kinesisEvent(records), lambdaContext(), { writer, schema: { partitionKey: "eventId" }, logger: recordingLogger() });
}

describe("stream consumer against DynamoDB (moto server)", () => {
  const batch = mixedBatch(500, 0.05, 0.05);

  it("leaves exactly the unique good items, each at its newest version, from 500 records with 5% poison and 5% duplicates", async () => {
    const response = await run(batch.records);
    const table = await scanAll();
    expect(batch.poison).toHaveLength(25);
    expect(table.size).toBe(batch.expected.size);
    expect(table.size).toBeLessThan(475); // duplicates really collided
    for (const [eventId, payload] of batch.expected) {
      expect(table.get(eventId)).toMatchObject(payload);
    }
    // The failures reported are exactly the poison records, by sequence number.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      batch.poison.map((r) => r.kinesis.sequenceNumber).sort(),
    );
  });

  it("changes nothing when the same batch is replayed", async () => {
    const before = await scanAll();
    const response = await run(batch.records);
    const after = await scanAll();
    expect(after).toEqual(before);
    expect(response.batchItemFailures).toHaveLength(25);
  });

  it("does not let an older replayed record overwrite a newer item", async () => {
    const [eventId, newest] = [...batch.expected.entries()].find(([, p]) => (p.version as number) > 1)!;
    const older = batch.records.find((r) => {
      const text = Buffer.from(r.kinesis.data, "base64").toString();
      return text.startsWith("{") && text.includes(`"eventId":"${eventId}"`) && text.includes('"version":1,');
    })!;
    expect(older).toBeDefined();
    await run([older]);
    expect((await scanAll()).get(eventId)).toMatchObject(newest);
  });
});
