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

const POISON_KINDS = [
  () => ({ rawData: "@@not base64@@" }),
  () => ({ rawData: Buffer.from("{not json").toString("base64") }),
  () => ({ rawData: Buffer.from(JSON.stringify({ noEventId: true })).toString("base64") }),
  () => ({ rawData: Buffer.from(JSON.stringify({ eventId: "" })).toString("base64") }),
  () => ({ rawData: Buffer.from(JSON.stringify({ eventId: "big", blob: "x".repeat(410 * 1024) })).toString("base64") }),
];

export interface MixedBatch {
  records: KinesisStreamRecord[];
  poison: KinesisStreamRecord[];
  /** eventId -> the payload of its newest record: exactly what the table must hold. */
  expected: Map<string, Record<string, unknown>>;
}

/**
 * `total` records: `poisonShare` poison (every kind), `duplicateShare` repeats of good eventIds
 * (some newer, some older than the original), the rest unique good records; shuffled.
 */
export function mixedBatch(total: number, poisonShare: number, duplicateShare: number, seed = 7): MixedBatch {
  const random = prng(seed);
  const nPoison = Math.round(total * poisonShare);
  const nDup = Math.round(total * duplicateShare);
  const nGood = total - nPoison - nDup;
  let seq = 10n ** 40n;
  const nextSeq = () => String((seq += BigInt(1 + Math.floor(random() * 1000))));

  type Entry = { payload?: Record<string, unknown>; options: Record<string, string> };
  const entries: Entry[] = [];
  for (let i = 0; i < nGood; i++) entries.push({ payload: { eventId: `evt-${i}`, version: 1, value: random() } , options: {} });
  for (let i = 0; i < nDup; i++) entries.push({ payload: { eventId: `evt-${Math.floor(random() * nGood)}`, version: 2 + i, value: random() }, options: {} });
  for (let i = 0; i < nPoison; i++) entries.push({ options: POISON_KINDS[i % POISON_KINDS.length]() });
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  // Sequence numbers follow the shuffled order, as Kinesis assigns them on arrival.
  const records = entries.map((e) => kinesisRecord(e.payload, { ...e.options, sequenceNumber: nextSeq() }));
  const expected = new Map<string, Record<string, unknown>>();
  const poison: KinesisStreamRecord[] = [];
  records.forEach((r, i) => {
    const payload = entries[i].payload;
    if (!payload) return void poison.push(r);
    expected.set(payload.eventId as string, payload); // later records overwrite: newest wins
  });
  return { records, poison, expected };
}
