import { tooLargeForStream } from "../../../../scripts/parking/replay";

describe("replay-parked refuses", () => {
  it("a replay record above the stream's record limit, data and partition key counted", () => {
    expect(tooLargeForStream({ entry: 1, partitionKey: "ab", data: Buffer.alloc(8) }, 10)).toBeUndefined();
    expect(tooLargeForStream({ entry: 1, partitionKey: "abc", data: Buffer.alloc(8) }, 10)).toBe("its envelope and partition key take 11 bytes, above the stream's 10-byte record limit");
  });
});
