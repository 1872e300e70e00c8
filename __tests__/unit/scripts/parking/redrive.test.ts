import { batchProblem } from "../../../../scripts/parking/redrive";

describe("redrive refuses", () => {
  it("a batch the stream no longer holds whole", () => {
    const batch = { shardId: "shardId-000000000000", startSequenceNumber: "10", endSequenceNumber: "12", batchSize: 3, streamArn: "arn" };
    const at = (...seqs: string[]) => seqs.map((sequenceNumber) => ({ sequenceNumber, partitionKey: "k", shardId: batch.shardId, approximateArrivalTimestamp: 1, payload: Buffer.alloc(0) }));
    expect(batchProblem(batch, at("10", "11", "12"))).toBeUndefined();
    expect(batchProblem(batch, [])).toMatch(/^no record of shardId-000000000000 10\.\.12 is in the stream/);
    expect(batchProblem(batch, at("11", "12"))).toMatch(/first record of .* is no longer in the stream .*: it begins at 11$/);
    expect(batchProblem(batch, at("10", "11"))).toBe("the stream ends before the last record of shardId-000000000000 10..12");
    expect(batchProblem(batch, at("10", "12"))).toBe("shardId-000000000000 10..12 holds 2 records in the stream, the pointer says 3");
  });
});
