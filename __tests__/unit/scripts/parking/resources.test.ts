import { parseCli, regionOfQueueUrl, resolveResources } from "../../../../scripts/parking/resources";

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
