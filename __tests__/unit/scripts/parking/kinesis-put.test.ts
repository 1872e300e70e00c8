import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { chunkForPutRecords, putAcknowledged } from "../../../../scripts/parking/kinesis-put";

const rec = (entry: string, bytes: number) => ({ entry, partitionKey: entry, data: Buffer.alloc(bytes) });

describe("putting records until Kinesis acknowledges them", () => {
  it("splits requests at 500 records and at 5 MiB with partition keys counted, keeping order", () => {
    const many = Array.from({ length: 1001 }, (_, i) => rec(`k${i}`, 1));
    expect(chunkForPutRecords(many).map((c) => c.length)).toEqual([500, 500, 1]);
    // a and b with their one-byte keys take 4 MiB - 2 bytes; c with its key then fills 5 MiB exactly, or one byte more.
    const entriesPerRequest = (cBytes: number) => chunkForPutRecords([rec("a", 2_097_150), rec("b", 2_097_150), rec("c", cBytes)]).map((c) => c.map((r) => r.entry));
    expect(entriesPerRequest(1_048_577)).toEqual([["a", "b", "c"]]);
    expect(entriesPerRequest(1_048_578)).toEqual([["a", "b"], ["c"]]);
    expect(chunkForPutRecords([rec("x", 3), rec("y", 3)], 10, 7).map((c) => c.length)).toEqual([1, 1]);
  });

  /** A Kinesis client stub answering PutRecords from a script of per-key results. */
  function stubKinesis(answer: (partitionKey: string, attempt: number) => "ok" | "throttled" | "throw") {
    const attempts = new Map<string, number>();
    const calls: string[][] = [];
    const send = jest.fn(async (command: PutRecordsCommand) => {
      const keys = command.input.Records!.map((r) => r.PartitionKey!);
      calls.push(keys);
      const answers = keys.map((k) => {
        attempts.set(k, (attempts.get(k) ?? 0) + 1);
        return answer(k, attempts.get(k)!);
      });
      if (answers.includes("throw")) throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
      return {
        FailedRecordCount: answers.filter((a) => a !== "ok").length,
        Records: answers.map((a, i) => (a === "ok" ? { SequenceNumber: String(i + 1), ShardId: "shardId-000000000000" } : { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded" })),
      };
    });
    return { client: { send } as unknown as KinesisClient, calls };
  }

  it("retries only the records not acknowledged, and reports the entries still missing one", async () => {
    const { client, calls } = stubKinesis((k, attempt) => (k === "never" ? "throttled" : k === "late" && attempt < 3 ? "throttled" : "ok"));
    const missing = await putAcknowledged(client, "events", [rec("m1", 1), { ...rec("m1", 1), partitionKey: "late" }, rec("m2", 1), { ...rec("m3", 1), partitionKey: "never" }], { maxAttempts: 4, backoffMs: 0 });
    expect(calls).toEqual([["m1", "late", "m2", "never"], ["late", "never"], ["late", "never"], ["never"]]);
    expect([...missing.keys()]).toEqual(["m3"]);
    expect(missing.get("m3")).toBe("not acknowledged after 4 attempts (ProvisionedThroughputExceededException: Rate exceeded)");
  });

  it("counts a failed request as no acknowledgement for any of its records", async () => {
    const { client } = stubKinesis((_k, attempt) => (attempt === 1 ? "throw" : "ok"));
    expect((await putAcknowledged(client, "events", [rec("a", 1), rec("b", 1)], { maxAttempts: 2, backoffMs: 0 })).size).toBe(0);
    const { client: down } = stubKinesis(() => "throw");
    const missing = await putAcknowledged(down, "events", [rec("a", 1)], { maxAttempts: 2, backoffMs: 0 });
    expect(missing.get("a")).toBe("not acknowledged after 2 attempts (TimeoutError: socket hang up)");
  });

  it("does not take a result without a sequence number for an acknowledgement", async () => {
    const send = jest.fn(async () => ({ FailedRecordCount: 0, Records: [{}] }));
    const missing = await putAcknowledged({ send } as unknown as KinesisClient, "events", [rec("a", 1)], { maxAttempts: 1 });
    expect(missing.get("a")).toBe("not acknowledged after 1 attempts (no result for the record)");
  });
});
