/**
 * Consumer throughput against DynamoDB in moto server, on the same 2,000 records:
 *  - the SAM pattern's handler: one PutItem per record, in sequence;
 *  - ours: newest-per-key, one BatchGetItem guard read per 100 keys, BatchWriteItem per 25;
 *  - the alternative we did not choose: conditional PutItem per record, 16 in flight.
 * Variants run alternately, each on a fresh table; medians of records/s. Also: the cost of a replay.
 * Usage: node scripts/run-ts.js bench/consumer.ts [runs=3] [records=2000]
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import { processKinesisEvent } from "../lambda-src/stream-consumer/consume";
import { decodeRecord, SEQUENCE_ATTRIBUTE } from "../lambda-src/stream-consumer/records";
import { ItemWriter } from "../lambda-src/stream-consumer/writer";
import { kinesisEvent, lambdaContext } from "../__tests__/helpers/kinesis";
import { startMoto } from "../__tests__/helpers/moto";
import { mixedBatch } from "../__tests__/helpers/records";

const { median } = require("./lib");

const runs = Number(process.argv[2] ?? 3);
const total = Number(process.argv[3] ?? 2000);
const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

type Variant = { name: string; run: (doc: DynamoDBDocumentClient, table: string, records: KinesisStreamRecord[]) => Promise<void> };

const variants: Variant[] = [
  {
    name: "pattern: PutItem per record, sequential",
    run: async (doc, table, records) => {
      for (const r of records) {
        const item = JSON.parse(Buffer.from(r.kinesis.data, "base64").toString("utf8"));
        await doc.send(new PutCommand({ TableName: table, Item: item }));
      }
    },
  },
  {
    name: "ours: guard BatchGetItem + BatchWriteItem ×25, 8 in flight",
    run: async (doc, table, records) => {
      const writer = new ItemWriter(doc, { tableName: table, deadline: Date.now() + 600_000 });
      const res = await processKinesisEvent(kinesisEvent(records), lambdaContext(600_000), {
        writer,
        schema: { partitionKey: "eventId" },
        logger: quietLogger as never,
      });
      if (res.batchItemFailures.length) throw new Error(`${res.batchItemFailures.length} failures`);
    },
  },
  {
    name: "alternative: conditional PutItem, 16 in flight",
    run: async (doc, table, records) => {
      const items = records.map((r) => decodeRecord(r, { partitionKey: "eventId" }));
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < items.length) {
            const { item, sequenceNumber } = items[next++];
            try {
              await doc.send(
                new PutCommand({
                  TableName: table,
                  Item: item,
                  ConditionExpression: "attribute_not_exists(#s) OR #s < :s",
                  ExpressionAttributeNames: { "#s": SEQUENCE_ATTRIBUTE },
                  ExpressionAttributeValues: { ":s": sequenceNumber },
                }),
              );
            } catch (e) {
              if ((e as Error).name !== "ConditionalCheckFailedException") throw e;
            }
          }
        }),
      );
    },
  },
];

async function main(): Promise<void> {
  const moto = await startMoto();
  try {
    const raw = new DynamoDBClient(moto.clientConfig);
    const doc = DynamoDBDocumentClient.from(raw);
    let tables = 0;
    const newTable = async () => {
      const name = `bench-${tables++}`;
      await raw.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [{ AttributeName: "eventId", KeyType: "HASH" }],
          AttributeDefinitions: [{ AttributeName: "eventId", AttributeType: "S" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      return name;
    };
    const { records } = mixedBatch(total, 0, 0, 11);
    const rates: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
    const replay: number[] = [];
    for (let i = 0; i < runs; i++) {
      for (const v of variants) {
        const table = await newTable();
        const start = process.hrtime.bigint();
        await v.run(doc, table, records);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        rates[v.name].push(total / seconds);
        if (v === variants[1]) {
          const again = process.hrtime.bigint();
          await v.run(doc, table, records);
          replay.push(total / (Number(process.hrtime.bigint() - again) / 1e9));
        }
      }
    }
    const base = median(rates[variants[0].name]);
    console.log(`### Consumer throughput (moto server, ${total} records, median of ${runs} alternating runs)\n`);
    console.log("| variant | records/s | vs pattern |\n|---|---:|---:|");
    for (const v of variants) {
      const m = median(rates[v.name]);
      console.log(`| ${v.name} | ${Math.round(m)} | ${(m / base).toFixed(1)}× |`);
    }
    console.log(`| ours, replaying the same ${total} records (guard reads only, no writes) | ${Math.round(median(replay))} | ${(median(replay) / base).toFixed(1)}× |`);
  } finally {
    await moto.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
