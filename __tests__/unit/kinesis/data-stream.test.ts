import { Testing, TerraformVariable } from "cdktf";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataStream, Duration, EncryptionKey, Role, Size, StreamEncryption, StreamMode, Trust } from "../../../modules";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";

/** What a reader of a stream may do: describe it, list its shards, read records. */
const READ_ACTIONS = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"];

const streamRef = (json: any) => `\${aws_kinesis_stream.${Object.keys(json.resource.aws_kinesis_stream)[0]}.arn}`;
const keyRef = (json: any) => `\${aws_kms_key.${Object.keys(json.resource.aws_kms_key)[0]}.arn}`;

describe("DataStream defaults", () => {
  it("is a 1-shard provisioned stream, 24 h retention, encrypted with the AWS-managed key", () => {
    const { stack } = newStack();
    new DataStream(stack, "Stream", { streamName: "events" });
    const out = Testing.synth(stack);
    expect(out).toHaveResourceWithProperties(KinesisStream, {
      name: "events",
      shard_count: 1,
      retention_period: 24,
      stream_mode_details: { stream_mode: "PROVISIONED" },
      encryption_type: "KMS",
      kms_key_id: "alias/aws/kinesis",
    });
    expect(out).not.toHaveResource(KmsKey);
    expect(onlyResource(JSON.parse(out), "aws_kinesis_stream").shard_level_metrics).toBeUndefined();
  });

  it("derives a deterministic name from the construct path when none is given", () => {
    const names = [1, 2].map(() => {
      const { stack } = newStack("app-stack");
      new DataStream(stack, "Stream");
      return onlyResource(synth(stack), "aws_kinesis_stream").name;
    });
    expect(names[0]).toMatch(/^app-stack-Stream-[0-9a-f]{8}$/);
    expect(names[1]).toBe(names[0]);
  });

  it("creates iterator-age, write-throttle and read-throttle alarms with explained thresholds", () => {
    const { stack } = newStack();
    new DataStream(stack, "Stream", { streamName: "events" });
    const alarms = Object.values(resourcesOf(synth(stack), "aws_cloudwatch_metric_alarm"));
    expect(alarms.map((a) => [a.alarm_name, a.metric_name, a.statistic, a.threshold, a.evaluation_periods])).toEqual([
      ["events-iterator-age", "GetRecords.IteratorAgeMilliseconds", "Maximum", 12 * 3600 * 1000, 1],
      ["events-read-throughput-exceeded", "ReadProvisionedThroughputExceeded", "Average", 0.01, 3],
      ["events-write-throughput-exceeded", "WriteProvisionedThroughputExceeded", "Average", 0.01, 3],
    ]);
    for (const a of alarms) {
      expect(a.namespace).toBe("AWS/Kinesis");
      expect(a.dimensions).toEqual({ StreamName: "events" });
      expect(a.alarm_description).toMatch(/\w+/);
      expect(a.treat_missing_data).toBe("notBreaching");
    }
  });
});

describe("DataStream alarm texts and outputs", () => {
  const writeThrottleText = (streamMode: StreamMode) => {
    const { stack } = newStack();
    new DataStream(stack, "Stream", { streamName: "events", streamMode });
    const alarms = Object.values(resourcesOf(synth(stack), "aws_cloudwatch_metric_alarm"));
    return alarms.find((a) => a.alarm_name === "events-write-throughput-exceeded")!.alarm_description as string;
  };

  it("tells a provisioned stream's owner to add shards when writes are throttled", () => {
    expect(writeThrottleText(StreamMode.PROVISIONED)).toBe("Over 1% of writes throttled for 15 minutes: add shards or switch to on-demand.");
  });

  it("tells an on-demand stream's owner what throttles it, without shards to add", () => {
    const text = writeThrottleText(StreamMode.ON_DEMAND);
    expect(text).not.toMatch(/add shards|on-demand\.$/);
    expect(text).toMatch(/doubled its previous peak.*partition key is hot/);
  });

  it("emits its name and ARN as <id>_stream_name and <id>_stream_arn by default, none with outputs: false", () => {
    const { stack } = newStack();
    new DataStream(stack, "Events", { streamName: "events", alarms: false });
    new DataStream(stack, "Quiet", { streamName: "quiet", alarms: false, outputs: false });
    const output = synth(stack).output!;
    expect(Object.keys(output).sort()).toEqual(["Events_stream_arn", "Events_stream_name"]);
    expect(output.Events_stream_name.value).toBe("events");
    expect(output.Events_stream_arn.value).toMatch(/^\$\{aws_kinesis_stream\.Events_\w+\.arn\}$/);
  });
});

describe("DataStream props", () => {
  it("sets shard count, retention and shard-level metrics", () => {
    const { stack } = newStack();
    new DataStream(stack, "Stream", {
      streamName: "events",
      shardCount: 4,
      retentionPeriod: Duration.days(7),
      shardLevelMetrics: ["IncomingBytes", "IteratorAgeMilliseconds"],
    });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(KinesisStream, {
      shard_count: 4,
      retention_period: 168,
      shard_level_metrics: ["IncomingBytes", "IteratorAgeMilliseconds"],
    });
  });

  it("omits shard_count in on-demand mode", () => {
    const { stack } = newStack();
    new DataStream(stack, "Stream", { streamName: "events", streamMode: StreamMode.ON_DEMAND });
    const stream = onlyResource(synth(stack), "aws_kinesis_stream");
    expect(stream.stream_mode_details).toEqual({ stream_mode: "ON_DEMAND" });
    expect(stream.shard_count).toBeUndefined();
  });

  it("creates a customer-managed key with rotation when encryption is CUSTOMER_MANAGED", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", encryption: StreamEncryption.CUSTOMER_MANAGED });
    const json = synth(stack);
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(onlyResource(json, "aws_kinesis_stream").kms_key_id).toBe(keyRef(json));
    expect(stream.encryptionKey).toBeDefined();
  });

  it("uses a key passed in, creating none", () => {
    const { stack } = newStack();
    const keyArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    new DataStream(stack, "Stream", { streamName: "events", encryptionKey: EncryptionKey.fromKeyArn(keyArn) });
    const json = synth(stack);
    expect(resourcesOf(json, "aws_kms_key")).toEqual({});
    expect(onlyResource(json, "aws_kinesis_stream").kms_key_id).toBe(keyArn);
  });

  it("creates no alarms when alarms is false, and sends alarm and OK to the actions given", () => {
    const { stack } = newStack();
    new DataStream(stack, "Quiet", { streamName: "quiet", alarms: false });
    new DataStream(stack, "Loud", { streamName: "loud", alarmActions: ["arn:aws:sns:eu-west-1:111122223333:ops"] });
    const alarms = Object.values(resourcesOf(synth(stack), "aws_cloudwatch_metric_alarm"));
    expect(alarms).toHaveLength(3);
    for (const a of alarms) {
      expect(a.dimensions.StreamName).toBe("loud");
      expect(a.alarm_actions).toEqual(["arn:aws:sns:eu-west-1:111122223333:ops"]);
      expect(a.ok_actions).toEqual(["arn:aws:sns:eu-west-1:111122223333:ops"]);
    }
  });

  it("derives the iterator-age threshold from the retention", () => {
    const { stack } = newStack();
    new DataStream(stack, "Stream", { streamName: "events", retentionPeriod: Duration.days(7) });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "events-iterator-age",
      threshold: 84 * 3600 * 1000,
    });
  });
});

describe("DataStream validation", () => {
  const build = (props: ConstructorParameters<typeof DataStream>[2]) => () => {
    const { stack } = newStack();
    new DataStream(stack, "Stream", props);
  };

  it.each([0, -1, 1.5, Number.NaN])("rejects shardCount %p, naming the prop, value and range", (shardCount) => {
    expect(build({ shardCount })).toThrow(`test/Stream: shardCount must be a whole number ≥ 1; got ${shardCount}`);
  });

  it("rejects shardCount in on-demand mode", () => {
    expect(build({ streamMode: StreamMode.ON_DEMAND, shardCount: 2 })).toThrow(
      "test/Stream: shardCount must not be set when streamMode is ON_DEMAND (AWS sizes the stream); got 2",
    );
  });

  it.each([
    [Duration.hours(23), "got 23 (23 hours)"],
    [Duration.days(366), "got 8784 (366 days)"],
    [Duration.minutes(1470), "got 24.5 (1470 minutes)"],
  ])("rejects retentionPeriod %s, naming it as written", (retentionPeriod, got) => {
    expect(build({ retentionPeriod })).toThrow(`test/Stream: retentionPeriod must be a whole number from 24 to 8760 hours; ${got}`);
  });

  it.each([Duration.hours(24), Duration.days(365)])("accepts retentionPeriod at the bound %s", (retentionPeriod) => {
    expect(build({ retentionPeriod })).not.toThrow();
  });

  it.each(["", "has space", "a/b", "x".repeat(129)])("rejects stream name %p", (name) => {
    expect(build({ streamName: name })).toThrow(
      `test/Stream: streamName must be 1–128 characters of [a-zA-Z0-9_.-]; got ${JSON.stringify(name)}`,
    );
  });

  it("accepts a 128-character name of every allowed character class", () => {
    expect(build({ streamName: `aZ0_.-${"x".repeat(122)}` })).not.toThrow();
  });

  it("rejects a key together with AWS_MANAGED encryption", () => {
    expect(build({ encryption: StreamEncryption.AWS_MANAGED, encryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:111122223333:key/k") })).toThrow(
      /encryptionKey is given but encryption is AWS_MANAGED/,
    );
  });

  it("rejects an unknown shard-level metric", () => {
    expect(build({ shardLevelMetrics: ["Bogus" as never] })).toThrow(
      /shardLevelMetrics\[\] must be one of IncomingBytes, .*; got "Bogus"/,
    );
  });

  it("creates nothing when validation fails", () => {
    const { stack } = newStack();
    expect(() => new DataStream(stack, "Stream", { shardCount: 0 })).toThrow();
    expect(resourcesOf(synth(stack), "aws_kinesis_stream")).toEqual({});
  });

  it("does not validate values that are unresolved tokens", () => {
    const { stack } = newStack();
    const shards = new TerraformVariable(stack, "shards", { type: "number" });
    const name = new TerraformVariable(stack, "name", { type: "string" });
    new DataStream(stack, "Stream", { shardCount: shards.numberValue, streamName: name.stringValue });
    const stream = onlyResource(synth(stack), "aws_kinesis_stream");
    expect(stream).toMatchObject({ shard_count: "${var.shards}", name: "${var.name}" });
  });
});

describe("DataStream grants", () => {
  const setup = (encryption?: StreamEncryption) => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", encryption });
    const role = new Role(stack, "Consumer", { assumedBy: Trust.service("lambda.amazonaws.com") });
    return { stack, stream, role };
  };
  const rolePolicy = (stack: any) => {
    const json = synth(stack);
    return { json, doc: policyOf(onlyResource(json, "aws_iam_role_policy")) };
  };

  it("grantRead allows exactly the read actions on this stream, no KMS for the AWS-managed key", () => {
    const { stack, stream, role } = setup();
    stream.grantRead(role);
    const { json, doc } = rolePolicy(stack);
    expect(doc).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: READ_ACTIONS,
          Resource: streamRef(json),
        },
      ],
    });
  });

  it("grantWrite adds kms:GenerateDataKey on a customer key; grantRead adds kms:Decrypt", () => {
    const { stack, stream, role } = setup(StreamEncryption.CUSTOMER_MANAGED);
    stream.grantWrite(role);
    stream.grantRead(role);
    const { json, doc } = rolePolicy(stack);
    expect(doc.Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["kinesis:PutRecord", "kinesis:PutRecords", ...READ_ACTIONS],
        Resource: streamRef(json),
      },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyRef(json) },
    ]);
  });

  it("adds each statement once however often it is granted", () => {
    const { stack, stream, role } = setup(StreamEncryption.CUSTOMER_MANAGED);
    stream.grantReadWrite(role);
    stream.grantReadWrite(role);
    stream.grantWrite(role);
    stream.grant(role, "kinesis:PutRecord");
    const { doc } = rolePolicy(stack);
    expect(doc.Statement).toHaveLength(2);
    expect(doc.Statement[0].Action).toHaveLength(7);
    expect(Object.keys(resourcesOf(synth(stack), "aws_iam_role_policy"))).toHaveLength(1);
  });

  it("grant gives the named actions on the stream only", () => {
    const { stack, stream, role } = setup(StreamEncryption.CUSTOMER_MANAGED);
    stream.grant(role, "kinesis:DescribeStreamSummary");
    const { json, doc } = rolePolicy(stack);
    expect(doc.Statement).toEqual([{ Effect: "Allow", Action: "kinesis:DescribeStreamSummary", Resource: streamRef(json) }]);
  });

  it("refuses wildcard actions", () => {
    const { stream, role } = setup();
    expect(() => stream.grant(role, "kinesis:*")).toThrow(/wildcard actions are not allowed/);
    expect(() => stream.grant(role, "*")).toThrow(/wildcard actions are not allowed/);
  });
});

describe("DataStream metrics", () => {
  it.each([
    ["metricIncomingRecords", "IncomingRecords", "Sum"],
    ["metricIncomingBytes", "IncomingBytes", "Sum"],
    ["metricGetRecordsIteratorAgeMilliseconds", "GetRecords.IteratorAgeMilliseconds", "Maximum"],
    ["metricReadProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "Average"],
    ["metricWriteProvisionedThroughputExceeded", "WriteProvisionedThroughputExceeded", "Average"],
  ] as const)("%s is %s (%s) for this stream", (method, metricName, statistic) => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    const metric = stream[method]();
    expect(metric).toMatchObject({ namespace: "AWS/Kinesis", metricName, statistic });
    expect(metric.period.toSeconds()).toBe(300);
    expect(metric.dimensions).toEqual({ StreamName: "events" });
    const overridden = stream[method]({ period: Duration.minutes(1), statistic: "Minimum" });
    expect([overridden.statistic, overridden.period.toSeconds()]).toEqual(["Minimum", 60]);
  });
});

describe("DataStream.estimateShards", () => {
  it("sizes the partner guide's 1 KiB records by the 1,000 records/s limit (1 KiB × 1,000 < 1 MiB)", () => {
    expect(DataStream.estimateShards({ recordsPerSecond: 2500 })).toEqual({ shards: 3, limitedBy: "records-in" });
  });

  it("is decided by the 1 MiB/s inbound limit for large records", () => {
    // 500 records/s × 4 KiB = 2 MiB/s: 2 shards, though 500 records/s fit in one.
    expect(DataStream.estimateShards({ recordsPerSecond: 500, averageRecordSize: Size.kibibytes(4) })).toEqual({
      shards: 2,
      limitedBy: "bytes-in",
    });
  });

  it("is decided by the record rate for small records", () => {
    expect(DataStream.estimateShards({ recordsPerSecond: 4500, averageRecordSize: Size.bytes(100) })).toEqual({
      shards: 5,
      limitedBy: "records-in",
    });
  });

  it("is decided by the shared 2 MiB/s outbound limit with several standard consumers", () => {
    // 1,000 KiB/s in needs 1 shard; 5 consumers read 5,000 KiB/s, which needs 3 shards at 2 MiB/s each.
    expect(DataStream.estimateShards({ recordsPerSecond: 1000, averageRecordSize: Size.kibibytes(1), consumers: 5 })).toEqual({
      shards: 3,
      limitedBy: "bytes-out",
    });
  });

  it("never returns fewer than one shard", () => {
    expect(DataStream.estimateShards({ recordsPerSecond: 0 })).toEqual({ shards: 1, limitedBy: "records-in" });
  });

  it.each([
    [{ recordsPerSecond: -1 }, "DataStream.estimateShards: recordsPerSecond must be a number (0 or more); got -1"],
    [{ recordsPerSecond: 1, averageRecordSize: Size.bytes(0) }, "DataStream.estimateShards: averageRecordSize must be from 1 byte to 1 MiB (1048576 bytes, the largest record Kinesis accepts); got 0 bytes"],
    [{ recordsPerSecond: 1, consumers: 0.5 }, "DataStream.estimateShards: consumers must be a whole number (1 or more); got 0.5"],
    [
      { recordsPerSecond: 1, averageRecordSize: Size.mebibytes(2) },
      "DataStream.estimateShards: averageRecordSize must be from 1 byte to 1 MiB (1048576 bytes, the largest record Kinesis accepts); got 2097152 bytes",
    ],
  ])("rejects %p", (input, message) => {
    expect(() => DataStream.estimateShards(input)).toThrow(message);
  });
});

describe("DataStream.fromStreamArn", () => {
  const ARN = "arn:aws:kinesis:eu-west-1:111122223333:stream/legacy-events";

  it("creates nothing, and grants and metrics name the imported stream, its key included", () => {
    const { stack } = newStack();
    const key = EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:111122223333:key/k");
    const stream = DataStream.fromStreamArn(stack, "Legacy", { streamArn: ARN, encryptionKey: key });
    const role = new Role(stack, "Consumer", { assumedBy: Trust.service("lambda.amazonaws.com") });
    stream.grantRead(role);
    const json = synth(stack);
    expect(resourcesOf(json, "aws_kinesis_stream")).toEqual({});
    expect(policyOf(onlyResource(json, "aws_iam_role_policy")).Statement).toEqual([
      { Effect: "Allow", Action: expect.arrayContaining(["kinesis:GetRecords", "kinesis:ListShards"]), Resource: ARN },
      { Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:111122223333:key/k" },
    ]);
    expect(stream.streamName).toBe("legacy-events");
    expect(stream.metricIncomingRecords().dimensions).toEqual({ StreamName: "legacy-events" });
  });

  it("takes a reference with the stream's name", () => {
    const { stack } = newStack();
    const arn = new TerraformVariable(stack, "arn", { type: "string" }).stringValue;
    expect(DataStream.fromStreamArn(stack, "Legacy", { streamArn: arn, streamName: "legacy" }).streamName).toBe("legacy");
    expect(() => DataStream.fromStreamArn(stack, "NoName", { streamArn: arn })).toThrow(
      "test/NoName: streamName is required when streamArn is a reference",
    );
  });

  it.each(["arn:aws:kinesis:eu-west-1:111122223333:legacy", "legacy-events", "arn:aws:kinesis:eu-west-1:1:stream/x"])(
    "rejects %p at synth, naming the value",
    (streamArn) => {
      expect(() => DataStream.fromStreamArn(newStack().stack, "Legacy", { streamArn })).toThrow(
        `test/Legacy: streamArn must be a Kinesis stream ARN; got ${JSON.stringify(streamArn)}`,
      );
    },
  );
});
