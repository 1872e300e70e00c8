import { batchProblem } from "../../../../scripts/parking/redrive";
import { tooLargeForStream } from "../../../../scripts/parking/replay";
import { parseCli, regionOfQueueUrl, resolveResources } from "../../../../scripts/parking/resources";
import { Summary } from "../../../../scripts/parking/summary";

describe("the tools' command line", () => {
  it("takes one stack and a flag per resource", () => {
    expect(parseCli(["prod", "--dry-run", "--queue-url", "https://q", "--stream", "s", "--endpoint", "http://127.0.0.1:5000", "--region", "eu-west-1"])).toEqual({
      stack: "prod",
      dryRun: true,
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:5000",
      overrides: { queueUrl: "https://q", stream: "s" },
    });
    expect(() => parseCli([])).toThrow("expected one stack name, got 0 (none)");
    expect(() => parseCli(["dev", "--bukket", "b"])).toThrow("--bukket");
  });

  it("finds each resource in its flag, else in the stack's output, and runs terraform only when needed", () => {
    const outputs = jest.fn(() => ({ Pipeline_parking_queue_url: { value: "https://from-output" }, Pipeline_stream_name: { value: "events" } }));
    const cli = parseCli(["dev", "--queue-url", "https://from-flag"]);
    expect(resolveResources(["queueUrl"], cli, outputs)).toEqual({ queueUrl: "https://from-flag" });
    expect(outputs).not.toHaveBeenCalled();
    expect(resolveResources(["queueUrl", "stream"], cli, outputs)).toEqual({ queueUrl: "https://from-flag", stream: "events" });
    expect(() => resolveResources(["failureQueueUrl"], cli, outputs)).toThrow('stack "dev" has no output Pipeline_failure_queue_url: pass --failure-queue-url');
    expect(resolveResources(["stream"], cli, outputs, ["bucket"])).toEqual({ stream: "events" });
  });

  it("reads the region from a queue URL", () => {
    expect(regionOfQueueUrl("https://sqs.eu-central-1.amazonaws.com/123456789012/parking")).toBe("eu-central-1");
    expect(regionOfQueueUrl("http://127.0.0.1:5000/123456789012/parking")).toBeUndefined();
  });
});

describe("the summary", () => {
  it("counts per source and outcome, and names how many entries were not handled", () => {
    const summary = new Summary("replay-parked", ["kept"]);
    expect(summary.toString()).toBe("replay-parked summary\n  nothing found\n  all handled");
    summary.add("parking queue", "replayed", 3);
    summary.add("parking queue", "kept");
    summary.add("failure bucket", "kept", 2);
    expect(summary.problems).toBe(3);
    expect(summary.toString()).toBe("replay-parked summary\n  parking queue: replayed 3, kept 1\n  failure bucket: kept 2\n  NOT HANDLED: 3 (kept in place; see the lines above)");
  });
});

describe("what the tools refuse", () => {
  it("a replay record above the stream's record limit, data and partition key counted", () => {
    expect(tooLargeForStream({ entry: 1, partitionKey: "ab", data: Buffer.alloc(8) }, 10)).toBeUndefined();
    expect(tooLargeForStream({ entry: 1, partitionKey: "abc", data: Buffer.alloc(8) }, 10)).toBe("its envelope and partition key take 11 bytes, above the stream's 10-byte record limit");
  });

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
