import { kinesisRecord } from "./kinesis";
import type { KinesisStreamRecord } from "aws-lambda";

/** A small deterministic PRNG (mulberry32), so generated batches are the same every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One poison record of every kind the consumer parks, by reason. */
export const POISON_KINDS: Array<{ reason: string; make: (i: number) => { rawData: string; partitionKey: string } }> = [
  { reason: "invalid-json", make: (i) => ({ rawData: Buffer.from(`{not json ${i}`).toString("base64"), partitionKey: `bad-${i}` }) },
  { reason: "invalid-utf8", make: (i) => ({ rawData: Buffer.concat([Buffer.from(`{"eventId":"u-${i}","s":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]).toString("base64"), partitionKey: `u-${i}` }) },
  { reason: "schema-violation", make: (i) => ({ rawData: Buffer.from(JSON.stringify({ noEventId: i })).toString("base64"), partitionKey: `s-${i}` }) },
  { reason: "too-large", make: (i) => ({ rawData: Buffer.from(JSON.stringify({ eventId: `big-${i}`, blob: "x".repeat(410 * 1024) })).toString("base64"), partitionKey: `big-${i}` }) },
  { reason: "partition-key-mismatch", make: (i) => ({ rawData: Buffer.from(JSON.stringify({ eventId: `victim-${i}` })).toString("base64"), partitionKey: `forged-${i}` }) },
];

export interface MixedBatch {
  records: KinesisStreamRecord[];
  poison: KinesisStreamRecord[];
  /** eventId -> the JSON text of its newest record: exactly what the table must hold. */
  expected: Map<string, string>;
}

/**
 * `total` records: `poisonShare` poison (every kind in turn), `duplicateShare` repeats of good
 * eventIds (some newer, some older than the original), the rest unique good records, each with
 * a number beyond 2^53; shuffled. Good records are partitioned by their eventId, as the API does.
 */
export function mixedBatch(total: number, poisonShare: number, duplicateShare: number, seed = 7): MixedBatch {
  const random = prng(seed);
  const nPoison = Math.round(total * poisonShare);
  const nDup = Math.round(total * duplicateShare);
  const nGood = total - nPoison - nDup;
  let seq = 10n ** 40n;
  const nextSeq = () => String((seq += BigInt(1 + Math.floor(random() * 1000))));
  // Exact in JSON and in DynamoDB, not in a double: 2^53 + an odd number.
  const big = () => String(2n ** 53n + BigInt(2 * Math.floor(random() * 1e9) + 1)) + "123";

  type Entry = { eventId?: string; text?: string; options: { rawData?: string; partitionKey?: string } };
  const entries: Entry[] = [];
  const good = (eventId: string, version: number) => `{"eventId":"${eventId}","version":${version},"value":${random()},"big":${big()}}`;
  for (let i = 0; i < nGood; i++) entries.push({ eventId: `evt-${i}`, text: good(`evt-${i}`, 1), options: {} });
  for (let i = 0; i < nDup; i++) {
    const eventId = `evt-${Math.floor(random() * nGood)}`;
    entries.push({ eventId, text: good(eventId, 2 + i), options: {} });
  }
  for (let i = 0; i < nPoison; i++) entries.push({ options: POISON_KINDS[i % POISON_KINDS.length].make(i) });
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  // Sequence numbers follow the shuffled order, as Kinesis assigns them on arrival.
  const records = entries.map((e) =>
    kinesisRecord(undefined, {
      rawData: e.options.rawData ?? Buffer.from(e.text!).toString("base64"),
      partitionKey: e.options.partitionKey ?? e.eventId,
      sequenceNumber: nextSeq(),
    }),
  );
  const expected = new Map<string, string>();
  const poison: KinesisStreamRecord[] = [];
  records.forEach((r, i) => {
    const { eventId, text } = entries[i];
    if (!eventId) return void poison.push(r);
    expected.set(eventId, text!); // later records overwrite: newest wins
  });
  return { records, poison, expected };
}
