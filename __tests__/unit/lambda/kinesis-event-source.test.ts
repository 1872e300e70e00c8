import { runInNewContext } from "vm";
import { DataStream, Duration, KinesisEventSource, KinesisEventSourceProps, MetricType, NodejsFunction, StartingPosition, StreamEncryption } from "../../../modules";
import { newStack, onlyResource, resourcesOf, synth } from "../../helpers/synth";
import { build, mapping, ref, statements } from "./kinesis-event-source-fixture";

const READ = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"];

describe("KinesisEventSource", () => {
  it("maps the stream to the function with only what is set (AWS defaults for the rest), after the role's policy", () => {
    const json = build().json;
    const policyId = Object.keys(json.resource.aws_iam_role_policy)[0];
    expect(mapping(json)).toEqual({
      event_source_arn: ref(json, "aws_kinesis_stream"),
      function_name: ref(json, "aws_lambda_function"),
      starting_position: "LATEST",
      depends_on: [`aws_iam_role_policy.${policyId}`],
    });
    expect(Object.keys(resourcesOf(json, "aws_lambda_event_source_mapping"))[0]).toMatch(/^Fn_KinesisEventSource-Stream_/);
  });

  it("grants the function's role read on the stream, and on a customer key decrypt", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { encryption: StreamEncryption.CUSTOMER_MANAGED, alarms: false });
    const fn = new NodejsFunction(stack, "Fn", { entry: "stream-consumer", functionName: "reader" });
    fn.addEventSource(new KinesisEventSource(stream, { startingPosition: StartingPosition.TRIM_HORIZON }));
    const json = synth(stack);
    expect(statements(json).slice(2)).toEqual([
      { Effect: "Allow", Action: READ, Resource: ref(json, "aws_kinesis_stream") },
      { Effect: "Allow", Action: "kms:Decrypt", Resource: ref(json, "aws_kms_key") },
    ]);
  });

  it("sets every option on the mapping", () => {
    const json = build({
      startingPosition: StartingPosition.AT_TIMESTAMP,
      startingPositionTimestamp: new Date("2026-01-31T12:00:00Z"),
      batchSize: 500,
      maxBatchingWindow: Duration.minutes(5),
      parallelizationFactor: 10,
      tumblingWindow: Duration.minutes(15),
      filters: [{ data: { type: ["order"] } }, { partitionKey: [{ prefix: "eu-" }] }],
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
      bisectBatchOnError: true,
      retryAttempts: 10000,
      maxRecordAge: Duration.days(7),
      reportBatchItemFailures: true,
      enabled: false,
    }).json;
    expect(mapping(json)).toMatchObject({
      starting_position: "AT_TIMESTAMP",
      starting_position_timestamp: "2026-01-31T12:00:00Z",
      batch_size: 500,
      maximum_batching_window_in_seconds: 300,
      parallelization_factor: 10,
      tumbling_window_in_seconds: 900,
      filter_criteria: { filter: [{ pattern: '{"data":{"type":["order"]}}' }, { pattern: '{"partitionKey":[{"prefix":"eu-"}]}' }] },
      metrics_config: { metrics: ["EventCount"] },
      bisect_batch_on_function_error: true,
      maximum_retry_attempts: 10000,
      maximum_record_age_in_seconds: 604800,
      function_response_types: ["ReportBatchItemFailures"],
      enabled: false,
    });
  });

  it("takes a Date made in another realm (a vm context, a test sandbox) as a Date", () => {
    const foreignDate = runInNewContext('new Date("2026-01-31T12:00:00Z")') as Date;
    expect(foreignDate instanceof Date).toBe(false);
    const json = build({ startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: foreignDate }).json;
    expect(mapping(json).starting_position_timestamp).toBe("2026-01-31T12:00:00Z");
  });

  it("takes February 29 of a leap year, and the last second of a day", () => {
    for (const time of ["2028-02-29T00:00:00Z", "2026-12-31T23:59:59-12:00"]) {
      expect(mapping(build({ startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: time }).json).starting_position_timestamp).toBe(time);
    }
  });

  it("takes the lower ends too: no window, -1 retries, -1 record age, an RFC 3339 string with an offset", () => {
    const json = build({
      startingPosition: StartingPosition.AT_TIMESTAMP,
      startingPositionTimestamp: "2026-01-31T13:00:00.5+01:00",
      maxBatchingWindow: Duration.seconds(0),
      tumblingWindow: Duration.seconds(0),
      retryAttempts: -1,
      maxRecordAge: -1,
      batchSize: 1,
      parallelizationFactor: 1,
    }).json;
    expect(mapping(json)).toMatchObject({
      starting_position_timestamp: "2026-01-31T13:00:00.5+01:00",
      maximum_batching_window_in_seconds: 0,
      tumbling_window_in_seconds: 0,
      maximum_retry_attempts: -1,
      maximum_record_age_in_seconds: -1,
      batch_size: 1,
    });
  });

  it.each<[string, Partial<KinesisEventSourceProps>, string]>([
    ["batchSize 0", { batchSize: 0 }, "KinesisEventSource(test/Stream): batchSize must be a whole number from 1 to 10000 records; got 0"],
    ["batchSize 10001", { batchSize: 10001 }, "batchSize must be a whole number from 1 to 10000 records; got 10001"],
    ["a 301 s window", { maxBatchingWindow: Duration.seconds(301) }, "KinesisEventSource(test/Stream): maxBatchingWindow must be a whole number from 0 to 300 seconds; got 301 (301 seconds)"],
    ["a window of half a second", { maxBatchingWindow: Duration.millis(500) }, "maxBatchingWindow must be a whole number from 0 to 300 seconds; got 0.5 (500 milliseconds)"],
    ["parallelization 0", { parallelizationFactor: 0 }, "parallelizationFactor must be a whole number from 1 to 10; got 0"],
    ["parallelization 11", { parallelizationFactor: 11 }, "parallelizationFactor must be a whole number from 1 to 10; got 11"],
    ["a 901 s tumbling window", { tumblingWindow: Duration.seconds(901) }, "tumblingWindow must be a whole number from 0 to 900 seconds; got 901 (901 seconds)"],
    ["-2 retries", { retryAttempts: -2 }, "retryAttempts must be a whole number from -1 to 10000; got -2"],
    ["10001 retries", { retryAttempts: 10001 }, "retryAttempts must be a whole number from -1 to 10000; got 10001"],
    ["a record age of 59 s", { maxRecordAge: Duration.seconds(59) }, "maxRecordAge must be a whole number from 60 to 604800 seconds, or -1; got 59 (59 seconds)"],
    ["a record age over 7 days", { maxRecordAge: Duration.hours(169) }, "maxRecordAge must be a whole number from 60 to 604800 seconds, or -1; got 608400 (169 hours)"],
    ["six filters", { filters: Array(6).fill({ data: {} }) }, "filters may hold at most 5 patterns; got 6"],
    ["a Kafka-only metric", { metricsConfig: { metrics: ["KafkaMetrics" as MetricType] } }, 'metricsConfig.metrics[] must be one of EventCount; got "KafkaMetrics"'],
    ["a starting position Kinesis lacks", { startingPosition: "EARLIEST" as StartingPosition }, 'startingPosition must be one of TRIM_HORIZON, LATEST, AT_TIMESTAMP; got "EARLIEST"'],
    ["AT_TIMESTAMP without a time", { startingPosition: StartingPosition.AT_TIMESTAMP }, "KinesisEventSource(test/Stream): startingPositionTimestamp is required when startingPosition is AT_TIMESTAMP"],
    ["a time that is not RFC 3339", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "2026-01-31 12:00" }, 'startingPositionTimestamp must be an RFC 3339 time such as 2026-01-31T12:00:00Z; got "2026-01-31 12:00"'],
    ["an impossible date", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "2026-13-45T12:00:00Z" }, 'got "2026-13-45T12:00:00Z"'],
    ["a day February lacks", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "2026-02-30T00:00:00Z" }, 'startingPositionTimestamp must be an RFC 3339 time such as 2026-01-31T12:00:00Z; got "2026-02-30T00:00:00Z"'],
    ["February 29 of a common year", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "2027-02-29T00:00:00Z" }, 'got "2027-02-29T00:00:00Z"'],
    ["hour 24", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "2026-01-31T24:00:00Z" }, 'got "2026-01-31T24:00:00Z"'],
    ["second 60", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "2026-01-31T12:00:60Z" }, 'got "2026-01-31T12:00:60Z"'],
    ["an offset of 24 hours", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "2026-01-31T12:00:00+24:00" }, 'got "2026-01-31T12:00:00+24:00"'],
    ["a lowercase t", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "2026-01-31t12:00:00Z" }, 'got "2026-01-31t12:00:00Z"'],
    ["a lowercase z", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "2026-01-31T12:00:00z" }, 'got "2026-01-31T12:00:00z"'],
    ["an Invalid Date", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: new Date("nope") }, "startingPositionTimestamp must be a valid Date; got an Invalid Date"],
    ["a time with LATEST", { startingPositionTimestamp: "2026-01-31T12:00:00Z" }, "startingPositionTimestamp applies to AT_TIMESTAMP only; startingPosition is LATEST"],
    ["a consumer name without fan-out", { consumerName: "reader" }, "consumerName applies to enhancedFanOut only; set enhancedFanOut: true or drop consumerName"],
    ["a bad consumer name", { enhancedFanOut: true, consumerName: "a b" }, 'consumerName must be 1–128 characters of [a-zA-Z0-9_.-]; got "a b"'],
  ])("rejects %s when the source is constructed", (_label, props, message) => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    expect(() => new KinesisEventSource(stream, { startingPosition: StartingPosition.LATEST, ...props })).toThrow(message);
  });

  it("binds once, in the scope and with the id it is given", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { alarms: false });
    const fn = new NodejsFunction(stack, "Fn", { entry: "stream-consumer", functionName: "reader" });
    const source = new KinesisEventSource(stream, { startingPosition: StartingPosition.LATEST });
    expect(() => source.eventSourceMapping).toThrow("KinesisEventSource(test/Stream) is not bound yet");
    const created = source.bind(fn, { scope: stack, id: "Mapping" });
    expect(source.eventSourceMapping).toBe(created);
    expect(Object.keys(resourcesOf(synth(stack), "aws_lambda_event_source_mapping"))).toEqual(["Mapping"]);
    expect(() => fn.addEventSource(source)).toThrow("KinesisEventSource(test/Stream) is bound already: create one per function");
  });
});

describe("KinesisEventSource with enhanced fan-out", () => {
  it("creates a stream consumer named after the function and reads through it", () => {
    const { json, source } = build({ enhancedFanOut: true });
    expect(onlyResource(json, "aws_kinesis_stream_consumer")).toEqual({ name: "reader", stream_arn: ref(json, "aws_kinesis_stream") });
    expect(mapping(json).event_source_arn).toBe(ref(json, "aws_kinesis_stream_consumer"));
    expect(source.streamConsumer).toBeDefined();
  });

  it("lets the role read the stream and subscribe to the consumer's shards", () => {
    const json = build({ enhancedFanOut: true, consumerName: "fan-out" }).json;
    expect(onlyResource(json, "aws_kinesis_stream_consumer").name).toBe("fan-out");
    expect(statements(json).slice(2)).toEqual([
      { Effect: "Allow", Action: READ, Resource: ref(json, "aws_kinesis_stream") },
      { Effect: "Allow", Action: ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"], Resource: ref(json, "aws_kinesis_stream_consumer") },
    ]);
  });

  it("creates no consumer by default", () => {
    const { json, source } = build();
    expect(resourcesOf(json, "aws_kinesis_stream_consumer")).toEqual({});
    expect(source.streamConsumer).toBeUndefined();
  });
});
