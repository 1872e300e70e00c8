import { EncryptionKey, DataStream, EventTable, StartingPosition, StreamConsumer, StreamEncryption, TableEncryption } from "../../../modules";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";

function build(props: Partial<ConstructorParameters<typeof StreamConsumer>[2]> = {}, opts: { streamEncryption?: StreamEncryption; tableEncryption?: TableEncryption } = {}) {
  const { stack } = newStack();
  const stream = new DataStream(stack, "Stream", { streamName: "events", encryption: opts.streamEncryption, alarms: false });
  const table = new EventTable(stack, "Table", { tableName: "events", encryption: opts.tableEncryption, alarms: false });
  const consumer = new StreamConsumer(stack, "Consumer", {
    stream,
    table,
    failureQueueName: "consumer-failures",
    function: { functionName: "consumer" },
    ...props,
  });
  return { stack, consumer, json: synth(stack) };
}
const ref = (json: any, type: string, attr = "arn") => `\${${type}.${Object.keys(json.resource[type])[0]}.${attr}}`;

describe("StreamConsumer defaults", () => {
  it("maps the stream to the function with the stated defaults and partial batch responses", () => {
    const json = build().json;
    expect(onlyResource(json, "aws_lambda_event_source_mapping")).toMatchObject({
      event_source_arn: ref(json, "aws_kinesis_stream"),
      function_name: ref(json, "aws_lambda_function"),
      starting_position: "TRIM_HORIZON",
      batch_size: 100,
      maximum_batching_window_in_seconds: 1,
      parallelization_factor: 1,
      bisect_batch_on_function_error: true,
      maximum_retry_attempts: 10,
      maximum_record_age_in_seconds: 86400,
      function_response_types: ["ReportBatchItemFailures"],
      destination_config: { on_failure: { destination_arn: ref(json, "aws_sqs_queue") } },
    });
  });

  it("sends failures to an encrypted queue kept 14 days, not an async-invoke DLQ", () => {
    const json = build().json;
    expect(onlyResource(json, "aws_sqs_queue")).toMatchObject({
      name: "consumer-failures",
      message_retention_seconds: 1209600,
      sqs_managed_sse_enabled: true,
    });
    expect(onlyResource(json, "aws_lambda_function").dead_letter_config).toBeUndefined();
  });

  it("tells the handler the table and its key", () => {
    const vars = onlyResource(build().json, "aws_lambda_function").environment.variables;
    expect(vars).toMatchObject({ TABLE_NAME: "events", PARTITION_KEY: "eventId", POWERTOOLS_SERVICE_NAME: "stream-consumer" });
    expect(vars.SORT_KEY).toBeUndefined();
    expect(onlyResource(build().json, "aws_lambda_function").timeout).toBe(60);
  });

  it("holds exactly the permissions it uses: stream read, three table actions, SendMessage to its queue", () => {
    const json = build().json;
    const statements = policyOf(onlyResource(json, "aws_iam_role_policy")).Statement;
    expect(statements.slice(2)).toEqual([
      { Effect: "Allow", Action: ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:PutItem"], Resource: ref(json, "aws_dynamodb_table") },
      {
        Effect: "Allow",
        Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
        Resource: ref(json, "aws_kinesis_stream"),
      },
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: ref(json, "aws_sqs_queue") },
    ]);
  });

  it("adds KMS decrypt for a customer-key stream and table", () => {
    const json = build({}, { streamEncryption: StreamEncryption.CUSTOMER_MANAGED, tableEncryption: TableEncryption.CUSTOMER_MANAGED }).json;
    const statements = policyOf(onlyResource(json, "aws_iam_role_policy")).Statement;
    const keys = Object.keys(json.resource.aws_kms_key).map((k) => `\${aws_kms_key.${k}.arn}`);
    const kmsStatements = statements.filter((s: any) => String(s.Action).includes("kms:"));
    expect(kmsStatements.map((s: any) => s.Resource).sort()).toEqual(keys.sort());
    expect(kmsStatements.find((s: any) => s.Action === "kms:Decrypt")).toBeDefined(); // the stream's key: decrypt only
  });

  it("creates the mapping after the role's policy (Lambda checks permissions at creation)", () => {
    const json = build().json;
    const policyId = Object.keys(json.resource.aws_iam_role_policy)[0];
    expect(onlyResource(json, "aws_lambda_event_source_mapping").depends_on).toEqual([`aws_iam_role_policy.${policyId}`]);
  });

  it("alarms on iterator age, function errors and a non-empty failure queue", () => {
    const alarms = Object.values(resourcesOf(build().json, "aws_cloudwatch_metric_alarm"));
    expect(alarms.map((a) => [a.alarm_name, a.namespace, a.metric_name, a.threshold])).toEqual([
      ["consumer-errors", "AWS/Lambda", "Errors", 0],
      ["consumer-failure-queue-not-empty", "AWS/SQS", "ApproximateNumberOfMessagesVisible", 0],
      ["consumer-iterator-age", "AWS/Lambda", "IteratorAge", 600000],
    ]);
    expect(build({ alarms: false }).json.resource.aws_cloudwatch_metric_alarm).toBeUndefined();
  });
});

describe("StreamConsumer props", () => {
  it("sets every mapping prop", () => {
    const json = build({
      batchSize: 500,
      maxBatchingWindowSeconds: 30,
      startingPosition: StartingPosition.AT_TIMESTAMP,
      startingPositionTimestamp: "2026-01-31T12:00:00Z",
      parallelizationFactor: 4,
      bisectBatchOnError: false,
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: -1,
      filterPatterns: ['{"data":{"type":["order"]}}'],
      failureQueueRetentionSeconds: 345600,
      iteratorAgeAlarmSeconds: 60,
    }).json;
    expect(onlyResource(json, "aws_lambda_event_source_mapping")).toMatchObject({
      batch_size: 500,
      maximum_batching_window_in_seconds: 30,
      starting_position: "AT_TIMESTAMP",
      starting_position_timestamp: "2026-01-31T12:00:00Z",
      parallelization_factor: 4,
      bisect_batch_on_function_error: false,
      maximum_retry_attempts: -1,
      maximum_record_age_in_seconds: -1,
      filter_criteria: { filter: [{ pattern: '{"data":{"type":["order"]}}' }] },
    });
    expect(onlyResource(json, "aws_sqs_queue").message_retention_seconds).toBe(345600);
  });

  it("uses a KMS key for the queue when given, and may use it", () => {
    const json = build({ failureQueueEncryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:1:key/q") }).json;
    expect(onlyResource(json, "aws_sqs_queue")).toMatchObject({ kms_master_key_id: "arn:aws:kms:eu-west-1:1:key/q" });
    expect(onlyResource(json, "aws_sqs_queue").sqs_managed_sse_enabled).toBeUndefined();
    const statements = policyOf(onlyResource(json, "aws_iam_role_policy")).Statement;
    expect(statements).toContainEqual({ Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: "arn:aws:kms:eu-west-1:1:key/q" });
  });

  it.each([
    ["batchSize 0", { batchSize: 0 }, "batchSize must be a whole number from 1 to 10000 records; got 0"],
    ["batchSize 10001", { batchSize: 10001 }, "batchSize must be a whole number from 1 to 10000 records; got 10001"],
    ["a 301 s window", { maxBatchingWindowSeconds: 301 }, "maxBatchingWindowSeconds must be a whole number from 0 to 300 seconds; got 301"],
    ["parallelization 11", { parallelizationFactor: 11 }, "parallelizationFactor must be a whole number from 1 to 10; got 11"],
    ["-2 retries", { maximumRetryAttempts: -2 }, "maximumRetryAttempts must be a whole number from -1 to 10000; got -2"],
    ["a record age of 59 s", { maximumRecordAgeSeconds: 59 }, "maximumRecordAgeSeconds must be a whole number from 60 to 604800 seconds, or -1; got 59"],
    ["a record age of 604801 s", { maximumRecordAgeSeconds: 604801 }, "got 604801"],
    ["AT_TIMESTAMP without a time", { startingPosition: StartingPosition.AT_TIMESTAMP }, "startingPositionTimestamp is required when startingPosition is AT_TIMESTAMP"],
    ["a bad timestamp", { startingPosition: StartingPosition.AT_TIMESTAMP, startingPositionTimestamp: "yesterday" }, 'startingPositionTimestamp must be an RFC 3339 time such as 2026-01-31T12:00:00Z; got "yesterday"'],
    ["a timestamp with LATEST", { startingPosition: StartingPosition.LATEST, startingPositionTimestamp: "2026-01-31T12:00:00Z" }, "startingPositionTimestamp applies to AT_TIMESTAMP only; startingPosition is LATEST"],
    ["a filter that is not JSON", { filterPatterns: ["{nope"] }, 'filterPatterns[0] must be a JSON event pattern; got "{nope"'],
    ["six filters", { filterPatterns: Array(6).fill("{}") }, "filterPatterns may hold at most 5 patterns; got 6"],
    ["a queue retention of 30 s", { failureQueueRetentionSeconds: 30 }, "failureQueueRetentionSeconds must be a whole number from 60 to 1209600 seconds; got 30"],
  ])("rejects %s", (_label, props, message) => {
    expect(() => build(props as never)).toThrow(message);
  });

  it("passes the table's sort key to the handler", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "s" });
    const table = new EventTable(stack, "Table", { tableName: "readings", partitionKey: { name: "device" }, sortKey: { name: "ts" } });
    new StreamConsumer(stack, "Consumer", { stream, table });
    expect(onlyResource(synth(stack), "aws_lambda_function").environment.variables).toMatchObject({ PARTITION_KEY: "device", SORT_KEY: "ts" });
  });
});

describe("StreamConsumer with existing resources", () => {
  it("consumes an existing stream into an existing table, granting on their ARNs and keys", () => {
    const { stack } = newStack();
    const stream = DataStream.fromStreamArn(stack, "Stream", {
      streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/legacy-events",
      encryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:123456789012:key/s"),
    });
    const table = EventTable.fromTableAttributes(stack, "Table", {
      tableArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/legacy-items",
      partitionKey: { name: "id" },
    });
    new StreamConsumer(stack, "Consumer", { stream, table, function: { functionName: "c" } });
    const json = synth(stack);
    expect(resourcesOf(json, "aws_kinesis_stream")).toEqual({});
    expect(resourcesOf(json, "aws_dynamodb_table")).toEqual({});
    expect(onlyResource(json, "aws_lambda_event_source_mapping").event_source_arn).toBe("arn:aws:kinesis:eu-west-1:123456789012:stream/legacy-events");
    expect(onlyResource(json, "aws_lambda_function").environment.variables).toMatchObject({ TABLE_NAME: "legacy-items", PARTITION_KEY: "id" });
    const statements = policyOf(onlyResource(json, "aws_iam_role_policy")).Statement;
    expect(statements).toContainEqual({ Effect: "Allow", Action: ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:PutItem"], Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/legacy-items" });
    expect(statements).toContainEqual({ Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:123456789012:key/s" });
  });

  it.each([
    ["a stream ARN that is not one", () => DataStream.fromStreamArn(newStack().stack, "S", { streamArn: "arn:aws:s3:::x" }), 'streamArn must be a Kinesis stream ARN; got "arn:aws:s3:::x"'],
    ["a table ARN that is not one", () => EventTable.fromTableAttributes(newStack().stack, "T", { tableArn: "table/x" }), 'tableArn must be a DynamoDB table ARN; got "table/x"'],
  ])("rejects %s", (_label, make, message) => {
    expect(make).toThrow(message);
  });
});
