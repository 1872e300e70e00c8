/**
 * Consumer throughput against DynamoDB in moto server, on the same 2,000 records:
 *  - the SAM pattern's handler: one unconditional PutItem per record, in sequence (not idempotent);
 *  - ours, "conditional": newest-per-key, a conditional PutItem per key, 16 in flight;
 *  - ours, "read-then-write": a strongly consistent BatchGetItem per 100 keys first, then
 *    conditional PutItems for what is not current.
 * Both of ours are exact (a replay or duplicate never replaces a newer version); the bench says
 * which is faster, fresh and on a replay of the same records. Variants run alternately, each on a
 * fresh table; medians of records/s.
 * Usage: node scripts/run-ts.js bench/consumer.ts [runs=3] [records=2000]
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { KinesisStreamRecord } from "aws-lambda";
import { processKinesisEvent } from "../lambda-src/stream-consumer/consume";
import { ItemWriter, WriteStrategy } from "../lambda-src/stream-consumer/writer";
import type { ParkingTarget } from "../lambda-src/stream-consumer/park";
import { kinesisEvent, lambdaContext } from "../__tests__/helpers/kinesis";
import { startMoto } from "../__tests__/helpers/moto";
import { mixedBatch } from "../__tests__/helpers/records";

const { median } = require("./lib");

const runs = Number(process.argv[2] ?? 3);
const total = Number(process.argv[3] ?? 2000);
const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** The records are all good: parking is never called. */
const noParking: ParkingTarget = {
  queueUrl: "unused",
  sendMessage: async () => Promise.reject(new Error("bench records are all good")),
  putObject: async () => Promise.reject(new Error("bench records are all good")),
};

type Variant = { name: string; replays: boolean; run: (doc: DynamoDBDocumentClient, table: string, records: KinesisStreamRecord[]) => Promise<void> };

const ours = (strategy: WriteStrategy): Variant["run"] => async (doc, table, records) => {
  const writer = new ItemWriter(doc, { tableName: table, deadline: Date.now() + 600_000, strategy });
  const res = await processKinesisEvent(kinesisEvent(records), lambdaContext(600_000), {
    writer,
    schema: { partitionKey: "eventId" },
    parking: noParking,
    logger: quietLogger as never,
  });
  if (res.batchItemFailures.length) throw new Error(`${res.batchItemFailures.length} failures`);
};

const variants: Variant[] = [
  {
    name: "pattern: PutItem per record, sequential",
    replays: false,
    run: async (doc, table, records) => {
      for (const r of records) {
        const item = JSON.parse(Buffer.from(r.kinesis.data, "base64").toString("utf8"));
        await doc.send(new PutCommand({ TableName: table, Item: item }));
      }
    },
  },
  { name: "ours: conditional PutItem, 16 in flight", replays: true, run: ours("conditional") },
  { name: "ours: consistent BatchGetItem, then conditional PutItem", replays: true, run: ours("read-then-write") },
];

async function main(): Promise<void> {
  const moto = await startMoto();
  try {
    const raw = new DynamoDBClient(moto.clientConfig);
    // The SAM handler parses with JSON.parse, which has already rounded numbers beyond 2^53 (the
    // records include some): let it write them rounded, as it would, instead of refusing them.
    const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { allowImpreciseNumbers: true } });
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
    const replay: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
    for (let i = 0; i < runs; i++) {
      for (const v of variants) {
        const table = await newTable();
        const start = process.hrtime.bigint();
        await v.run(doc, table, records);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        rates[v.name].push(total / seconds);
        if (v.replays) {
          const again = process.hrtime.bigint();
          await v.run(doc, table, records);
          replay[v.name].push(total / (Number(process.hrtime.bigint() - again) / 1e9));
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
    for (const v of variants.filter((x) => x.replays)) {
      const m = median(replay[v.name]);
      console.log(`| ${v.name}, replaying the same ${total} records | ${Math.round(m)} | ${(m / base).toFixed(1)}× |`);
    }
  } finally {
    await moto.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
