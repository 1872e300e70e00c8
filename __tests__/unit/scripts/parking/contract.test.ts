import {
  originalOf,
  parkedRecord,
  parseParkingMessage,
  parseReplayEnvelope,
  planParking,
  replayEnvelopeBytes,
  sha256Hex,
  SQS_MAX_MESSAGE_BYTES,
} from "../../../../scripts/parking/contract";

const record = (payload: Buffer) => ({ partitionKey: "e-1", shardId: "shardId-000000000001", sequenceNumber: "4959033827149025660855969253836157109592157598913658889", approximateArrivalTimestamp: 1767225600.123, payload });
const meta = { reason: "redriven" as const, detail: "d", streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/events", parkedAt: "2026-11-23T21:00:00.000Z", bucket: "failures" };

describe("replay envelope", () => {
  it("carries the original sequence number, shard, arrival time and the exact bytes in base64", () => {
    const bytes = Buffer.from([0xff, 0x00, 0x7b]);
    expect(JSON.parse(replayEnvelopeBytes(record(bytes)).toString())).toEqual({
      ingestReplay: 1,
      originalSequenceNumber: "4959033827149025660855969253836157109592157598913658889",
      originalShardId: "shardId-000000000001",
      originalArrivalTimestamp: 1767225600.123,
      payload: "/wB7",
    });
  });

  it("is recognised only with every field of the contract", () => {
    const envelope = replayEnvelopeBytes(record(Buffer.from("x")));
    expect(parseReplayEnvelope(envelope)).toMatchObject({ ingestReplay: 1, payload: "eA==" });
    expect(parseReplayEnvelope(Buffer.from('{"ingestReplay":1,"payload":"eA=="}'))).toBeUndefined();
    expect(parseReplayEnvelope(Buffer.from('{"ingestReplay":2,"originalSequenceNumber":"1","originalShardId":"s","originalArrivalTimestamp":1,"payload":""}'))).toBeUndefined();
    expect(parseReplayEnvelope(Buffer.from([0x7b, 0xff]))).toBeUndefined();
  });

  it("of a record that was itself a replay stands for the first record, so time never moves on", () => {
    const first = record(Buffer.from('{"eventId":"e-1"}'));
    const replayed = { ...record(replayEnvelopeBytes(first)), shardId: "shardId-000000000004", sequenceNumber: "99" };
    expect(originalOf(replayed)).toEqual(first);
    expect(replayEnvelopeBytes(originalOf(replayed)).equals(replayEnvelopeBytes(first))).toBe(true);
  });
});

describe("parking message", () => {
  const valid = { version: 1, reason: "invalid-json", detail: "", streamArn: meta.streamArn, shardId: "s", sequenceNumber: "1", partitionKey: "k", approximateArrivalTimestamp: 1, payload: "eA==", payloadSha256: sha256Hex(Buffer.from("x")), parkedAt: "" };

  it("needs version 1, the record's place, and exactly one of payload and payloadObject", () => {
    expect(parseParkingMessage(JSON.stringify(valid))).toEqual(valid);
    expect(() => parseParkingMessage("{")).toThrow("parking message is not JSON");
    expect(() => parseParkingMessage(JSON.stringify({ ...valid, version: 2 }))).toThrow("parking message version 2 is not 1");
    expect(() => parseParkingMessage(JSON.stringify({ ...valid, partitionKey: "" }))).toThrow("parking message has no partitionKey");
    expect(() => parseParkingMessage(JSON.stringify({ ...valid, payloadObject: { bucket: "b", key: "parked/k" } }))).toThrow("exactly one of payload and payloadObject");
    const { payload: _, ...withoutPayload } = valid;
    expect(() => parseParkingMessage(JSON.stringify(withoutPayload))).toThrow("exactly one of payload and payloadObject");
  });

  it("gives its record only when the payload matches payloadSha256", () => {
    expect(parkedRecord(valid as any, Buffer.from("x")).payload.toString()).toBe("x");
    expect(() => parkedRecord(valid as any, Buffer.from("y"))).toThrow(/payload sha256 [0-9a-f]{64} differs from the parked payloadSha256/);
  });

  it("keeps the payload inline up to SQS's 1 MiB message, and in parked/ above it", () => {
    // The largest payload whose inline message still fits: the message without payload, plus the
    // base64 (4 characters per 3 bytes), plus `,"payload":""`.
    const rest = Buffer.byteLength(planParking(record(Buffer.alloc(0)), meta).body);
    const n = Math.floor((SQS_MAX_MESSAGE_BYTES - rest) / 4) * 3;
    const fits = planParking(record(Buffer.alloc(n, 1)), meta);
    expect(fits.object).toBeUndefined();
    expect(Buffer.byteLength(fits.body)).toBeGreaterThan(SQS_MAX_MESSAGE_BYTES - 4);
    expect(Buffer.byteLength(fits.body)).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
    const over = planParking(record(Buffer.alloc(n + 3, 1)), meta);
    const { body, ...where } = over.object!;
    expect(where).toEqual({ bucket: "failures", key: "parked/shardId-000000000001/4959033827149025660855969253836157109592157598913658889" });
    // Buffer.equals, not toEqual: jest compares a Buffer element by element (seconds for 786 KB).
    expect(body.equals(Buffer.alloc(n + 3, 1))).toBe(true);
    expect(JSON.parse(over.body)).toMatchObject({ payloadObject: { bucket: "failures", key: over.object!.key }, payloadSha256: sha256Hex(Buffer.alloc(n + 3, 1)) });
    expect(JSON.parse(over.body).payload).toBeUndefined();
    expect(() => planParking(record(Buffer.alloc(n + 3, 1)), { ...meta, bucket: undefined })).toThrow("no bucket was given (--bucket)");
  });
});
