import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Duration, EncryptionKey, DataStream, EventTable, FailureDestination, Queue, StartingPosition, StreamConsumer, StreamEncryption, TableEncryption, bundleZipPath } from "../../../modules";
import { TerraformResource } from "cdktf";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";

function build(props: Partial<ConstructorParameters<typeof StreamConsumer>[2]> = {}, opts: { streamEncryption?: StreamEncryption; tableEncryption?: TableEncryption } = {}) {
  const { stack } = newStack();
  const stream = new DataStream(stack, "Stream", { streamName: "events", encryption: opts.streamEncryption, alarms: false });
  const table = new EventTable(stack, "Table", { tableName: "events", encryption: opts.tableEncryption, alarms: false });
  const consumer = new StreamConsumer(stack, "Consumer", {
    stream,
    table,
    parkingQueueName: "consumer-parking",
    function: { functionName: "consumer" },
    ...props,
  });
  return { stack, consumer, json: synth(stack) };
}
const ref = (json: any, type: string, attr = "arn") => `\${${type}.${Object.keys(json.resource[type])[0]}.${attr}}`;

describe("StreamConsumer defaults", () => {
  it("maps the stream to the function: partial batch responses, unlimited retries bounded by an age an hour below retention, S3 on failure", () => {
    const json = build().json;
    expect(onlyResource(json, "aws_lambda_event_source_mapping")).toMatchObject({
      event_source_arn: ref(json, "aws_kinesis_stream"),
      function_name: ref(json, "aws_lambda_function"),
      starting_position: "TRIM_HORIZON",
      batch_size: 100,
      maximum_batching_window_in_seconds: 1,
      parallelization_factor: 1,
      bisect_batch_on_function_error: true,
      maximum_retry_attempts: -1,
      maximum_record_age_in_seconds: 23 * 3600, // the stream keeps 24 h
      function_response_types: ["ReportBatchItemFailures"],
      destination_config: { on_failure: { destination_arn: ref(json, "aws_s3_bucket") } },
    });
  });

  it("keeps the record-age limit an hour below a longer retention, and at most Lambda's 7 days", () => {
    const age = (retentionHours: number) => {
      const { stack } = newStack();
      const stream = new DataStream(stack, "Stream", { retentionPeriod: Duration.hours(retentionHours), alarms: false });
      new StreamConsumer(stack, "Consumer", { stream, table: new EventTable(stack, "Table", { alarms: false }) });
      return onlyResource(synth(stack), "aws_lambda_event_source_mapping").maximum_record_age_in_seconds;
    };
    expect([age(168), age(8760)]).toEqual([167 * 3600, 7 * 24 * 3600]);
  });

  it("parks poison in a KMS-encrypted queue kept 14 days, and keeps failures in a KMS bucket with a lifecycle and no public access", () => {
    const json = build().json;
    const key = ref(json, "aws_kms_key");
    expect(onlyResource(json, "aws_sqs_queue")).toMatchObject({ name: "consumer-parking", message_retention_seconds: 1209600, kms_master_key_id: key });
    const sse = onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration");
    expect(sse.rule[0].apply_server_side_encryption_by_default).toMatchObject({ sse_algorithm: "aws:kms", kms_master_key_id: key });
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(JSON.stringify(onlyResource(json, "aws_s3_bucket_lifecycle_configuration"))).toContain('"days":90');
    expect(onlyResource(json, "aws_lambda_function").dead_letter_config).toBeUndefined();
  });

  it("tells the handler the table, its key, the parking queue and bucket", () => {
    const json = build().json;
    const vars = onlyResource(json, "aws_lambda_function").environment.variables;
    expect(vars).toMatchObject({
      TABLE_NAME: "events",
      PARTITION_KEY: "eventId",
      PARTITION_KEY_MUST_MATCH: "true",
      PARKING_QUEUE_URL: ref(json, "aws_sqs_queue", "url"),
      PARKING_BUCKET: ref(json, "aws_s3_bucket", "bucket"),
      POWERTOOLS_SERVICE_NAME: "stream-consumer",
    });
    expect(vars.SORT_KEY).toBeUndefined();
    expect(onlyResource(json, "aws_lambda_function").timeout).toBe(60);
  });

  it("holds exactly the permissions it uses: stream read, two table actions, SendMessage to the parking queue, PutObject under parked/, the failure bucket for the mapping", () => {
    const json = build().json;
    const statements = policyOf(onlyResource(json, "aws_iam_role_policy")).Statement;
    const bucket = ref(json, "aws_s3_bucket");
    const key = ref(json, "aws_kms_key");
    expect(statements.slice(2)).toEqual([
      { Effect: "Allow", Action: ["dynamodb:BatchGetItem", "dynamodb:PutItem"], Resource: ref(json, "aws_dynamodb_table") },
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: ref(json, "aws_sqs_queue") },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: key },
      { Effect: "Allow", Action: "s3:PutObject", Resource: `${bucket}/parked/*` },
      {
        Effect: "Allow",
        Action: ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"],
        Resource: ref(json, "aws_kinesis_stream"),
      },
      // The mapping's S3 on-failure destination: Lambda writes with the function's role.
      { Effect: "Allow", Action: "s3:ListBucket", Resource: bucket },
      { Effect: "Allow", Action: "s3:PutObject", Resource: `${bucket}/*` },
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

  it("alarms on iterator age, function errors, parked records and their age", () => {
    const alarms = Object.values(resourcesOf(build().json, "aws_cloudwatch_metric_alarm"));
    expect(alarms.map((a) => [a.alarm_name, a.namespace, a.metric_name, a.threshold])).toEqual([
      ["consumer-errors", "AWS/Lambda", "Errors", 0],
      ["consumer-iterator-age", "AWS/Lambda", "IteratorAge", 600000],
      ["consumer-parked-record-age", "AWS/SQS", "ApproximateAgeOfOldestMessage", 86400],
      ["consumer-parked-records", "AWS/SQS", "ApproximateNumberOfMessagesVisible", 0],
    ]);
    expect(build({ alarms: false }).json.resource.aws_cloudwatch_metric_alarm).toBeUndefined();
  });
});

describe("StreamConsumer props", () => {
  it("sets every mapping prop", () => {
    const json = build({
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(30),
      startingPosition: StartingPosition.AT_TIMESTAMP,
      startingPositionTimestamp: "2026-01-31T12:00:00Z",
      parallelizationFactor: 4,
      bisectBatchOnError: false,
      retryAttempts: 20,
      maxRecordAge: Duration.hours(2),
      filters: [{ data: { type: ["order"] } }],
      failureDestination: FailureDestination.SQS_QUEUE,
      failureQueueName: "consumer-failures",
      failureQueueRetentionPeriod: Duration.days(4),
      iteratorAgeAlarmThreshold: Duration.minutes(1),
    }).json;
    expect(onlyResource(json, "aws_lambda_event_source_mapping")).toMatchObject({
      batch_size: 500,
      maximum_batching_window_in_seconds: 30,
      starting_position: "AT_TIMESTAMP",
      starting_position_timestamp: "2026-01-31T12:00:00Z",
      parallelization_factor: 4,
      bisect_batch_on_function_error: false,
      maximum_retry_attempts: 20,
      maximum_record_age_in_seconds: 7200,
      filter_criteria: { filter: [{ pattern: '{"data":{"type":["order"]}}' }] },
    });
    const queues = Object.values(resourcesOf(json, "aws_sqs_queue"));
    const failures = queues.find((q) => q.name === "consumer-failures");
    expect(failures.message_retention_seconds).toBe(345600);
    expect(onlyResource(json, "aws_lambda_event_source_mapping").destination_config.on_failure.destination_arn).toMatch(/^\$\{aws_sqs_queue\..*FailureQueue.*\.arn\}$/);
    const iteratorAge = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).find((a) => a.metric_name === "IteratorAge");
    expect(iteratorAge.threshold).toBe(60000);
  });

  it("keeps a default for a mapping prop given as undefined", () => {
    const json = build({ bisectBatchOnError: undefined, retryAttempts: undefined }).json;
    expect(onlyResource(json, "aws_lambda_event_source_mapping")).toMatchObject({ bisect_batch_on_function_error: true, maximum_retry_attempts: -1 });
  });

  it("uses a KMS key for the parking queue and failure bucket when given, creates none, and may use it", () => {
    const json = build({ encryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:123456789012:key/q") }).json;
    expect(resourcesOf(json, "aws_kms_key")).toEqual({});
    expect(onlyResource(json, "aws_sqs_queue")).toMatchObject({ kms_master_key_id: "arn:aws:kms:eu-west-1:123456789012:key/q" });
    expect(onlyResource(json, "aws_sqs_queue").sqs_managed_sse_enabled).toBeUndefined();
    const statements = policyOf(onlyResource(json, "aws_iam_role_policy")).Statement;
    expect(statements).toContainEqual({ Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "arn:aws:kms:eu-west-1:123456789012:key/q" });
  });

  it.each([
    ["a mapping option out of range", { batchSize: 0 }, "KinesisEventSource(test/Stream): batchSize must be a whole number from 1 to 10000 records; got 0"],
    ["AT_TIMESTAMP without a time", { startingPosition: StartingPosition.AT_TIMESTAMP }, "startingPositionTimestamp is required when startingPosition is AT_TIMESTAMP"],
    ["a queue retention of 30 s", { failureDestination: FailureDestination.SQS_QUEUE, failureQueueRetentionPeriod: Duration.seconds(30) }, "test/Consumer/FailureQueue: retentionPeriod must be a whole number from 60 to 1209600 seconds; got 30 (30 seconds)"],
    ["a record age not an hour below the stream's retention", { maxRecordAge: Duration.hours(24) }, "test/Consumer: maxRecordAge must be at least one hour below the shortest stream retention, 86400 seconds (the stream's is not known): at most 82800 seconds; got 86400 seconds"],
    ["failure-queue settings with the S3 destination", { failureQueueName: "x" }, "test/Consumer: failureQueue, failureQueueRetentionPeriod, failureQueueName and failureQueueEncryptionKey apply to failureDestination SQS_QUEUE; it is S3_BUCKET"],
    ["a 0 s iterator-age threshold", { iteratorAgeAlarmThreshold: Duration.seconds(0) }, "test/Consumer: iteratorAgeAlarmThreshold must be a whole number from 1 to 604800 seconds; got 0 (0 seconds)"],
    ["a function's memory size", { function: { memorySize: 64 } }, "test/Consumer: function.memorySize must be a whole number from 128 to 10240 MB; got 64"],
    ["a function's log retention", { function: { logRetentionDays: 2 } }, "test/Consumer: function.logRetentionDays must be one of 1, 3, 5, 7, 14, 30"],
    ["a function environment variable Lambda reserves", { function: { environment: { AWS_REGION: "x" } } }, 'test/Consumer: function.environment variable "AWS_REGION" must match'],
  ])("rejects %s before creating any resource", (_label, props, message) => {
    const { stack } = newStack();
    const stream = DataStream.fromStreamArn(stack, "Stream", { streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/events" });
    const table = EventTable.fromTableAttributes(stack, "Table", { tableArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/events", partitionKey: { name: "eventId" } });
    expect(() => new StreamConsumer(stack, "Consumer", { stream, table, ...(props as object) })).toThrow(message);
    expect(stack.node.findAll().filter((c) => TerraformResource.isTerraformResource(c)).map((c) => c.node.path)).toEqual([]);
  });

  it.each([
    ["a Number-typed partition key", { partitionKey: { name: "id", type: "N" as const } }, 'test/Consumer: table.partitionKey.type must be "S" for the bundled consumer (it writes each record\'s id as a string; give entry for another handler); got "N" for "id"'],
    ["a Binary-typed partition key", { partitionKey: { name: "id", type: "B" as const } }, 'table.partitionKey.type must be "S" for the bundled consumer'],
    ["a Number-typed sort key", { partitionKey: { name: "id" }, sortKey: { name: "ts", type: "N" as const } }, 'test/Consumer: table.sortKey.type must be "S" for the bundled consumer (it writes each record\'s ts as a string; give entry for another handler); got "N" for "ts"'],
  ])("rejects a table with %s (the bundled handler would park every record) before creating any resource", (_label, keys, message) => {
    const { stack } = newStack();
    const stream = DataStream.fromStreamArn(stack, "Stream", { streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/events" });
    const table = EventTable.fromTableAttributes(stack, "Table", { tableArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/events", ...keys });
    expect(() => new StreamConsumer(stack, "Consumer", { stream, table })).toThrow(message);
    expect(stack.node.findAll().filter((c) => TerraformResource.isTerraformResource(c)).map((c) => c.node.path)).toEqual([]);
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
    expect(statements).toContainEqual({ Effect: "Allow", Action: ["dynamodb:BatchGetItem", "dynamodb:PutItem"], Resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/legacy-items" });
    expect(statements).toContainEqual({ Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:123456789012:key/s" });
  });

  it.each([
    ["a stream ARN that is not one", () => DataStream.fromStreamArn(newStack().stack, "S", { streamArn: "arn:aws:s3:::x" }), 'streamArn must be a Kinesis stream ARN; got "arn:aws:s3:::x"'],
    ["a table ARN that is not one", () => EventTable.fromTableAttributes(newStack().stack, "T", { tableArn: "table/x" }), 'tableArn must be a DynamoDB table ARN; got "table/x"'],
  ])("rejects %s", (_label, make, message) => {
    expect(make).toThrow(message);
  });
});

describe("StreamConsumer with your own handler", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "my-consumer-"));
  const entry = path.join(dir, "index.ts");
  fs.writeFileSync(entry, 'export const handler = async () => ({ batchItemFailures: [], marker: "my-own-consumer" });\n');
  // Bundled into the temp dir, not the checkout's .build/lambda: the run leaves nothing behind.
  beforeAll(() => {
    process.env.INGEST_BUNDLE_CACHE_DIR = path.join(dir, "bundles");
  });
  afterAll(() => {
    delete process.env.INGEST_BUNDLE_CACHE_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("deploys the bundle of the given entry, with the table environment, grants and mapping of the built-in one", () => {
    const { consumer, json } = build({ entry });
    const fn = onlyResource(json, "aws_lambda_function");
    expect(fs.readFileSync(path.join(consumer.function.bundleDir, "index.js"), "utf8")).toContain("my-own-consumer");
    expect(fn.filename).toMatch(new RegExp(`/${path.basename(dir)}-[0-9a-f]{8}\\.zip$`));
    expect(fn.source_code_hash).toBe(createHash("sha256").update(fs.readFileSync(bundleZipPath(consumer.function.bundleDir))).digest("base64"));
    expect(fn.description).toBeUndefined(); // the built-in handler's description would not be true of it
    expect(fn.environment.variables).toMatchObject({ TABLE_NAME: "events", PARTITION_KEY: "eventId", POWERTOOLS_SERVICE_NAME: "stream-consumer" });
    expect(policyOf(onlyResource(json, "aws_iam_role_policy")).Statement).toContainEqual({
      Effect: "Allow",
      Action: ["dynamodb:BatchGetItem", "dynamodb:PutItem"],
      Resource: ref(json, "aws_dynamodb_table"),
    });
    expect(onlyResource(json, "aws_lambda_event_source_mapping").function_response_types).toEqual(["ReportBatchItemFailures"]);
  });

  it("accepts a Number-typed key: your handler decides how it writes keys", () => {
    const { stack } = newStack();
    const stream = DataStream.fromStreamArn(stack, "Stream", { streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/events" });
    const table = EventTable.fromTableAttributes(stack, "Table", { tableArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/events", partitionKey: { name: "id", type: "N" } });
    expect(() => new StreamConsumer(stack, "Consumer", { stream, table, entry })).not.toThrow();
  });

  it("lets the function's environment name the Powertools service", () => {
    const vars = onlyResource(build({ entry, function: { functionName: "consumer", environment: { POWERTOOLS_SERVICE_NAME: "orders" } } }).json, "aws_lambda_function").environment.variables;
    expect(vars.POWERTOOLS_SERVICE_NAME).toBe("orders");
  });
});

describe("StreamConsumer with an existing failure queue", () => {
  const QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:shared-failures";

  it("creates no failure queue (the parking queue only), sends failures to the given one, and may send to it", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    const table = new EventTable(stack, "Table", { tableName: "events", alarms: false });
    const failureQueue = Queue.fromQueueArn(stack, "Failures", QUEUE_ARN);
    const consumer = new StreamConsumer(stack, "Consumer", { stream, table, failureQueue, function: { functionName: "consumer" } });
    const json = synth(stack);
    expect(Object.keys(resourcesOf(json, "aws_sqs_queue"))).toEqual([expect.stringMatching(/^Consumer_ParkingQueue_/)]);
    expect(onlyResource(json, "aws_lambda_event_source_mapping").destination_config).toEqual({ on_failure: { destination_arn: QUEUE_ARN } });
    expect(policyOf(onlyResource(json, "aws_iam_role_policy")).Statement).toContainEqual({ Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE_ARN });
    expect([consumer.failureQueueArn, consumer.failureQueueUrl]).toEqual([QUEUE_ARN, "https://sqs.eu-west-1.amazonaws.com/123456789012/shared-failures"]);
    const depthAlarm = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).find((a) => a.alarm_name === "consumer-failure-queue-not-empty");
    expect(depthAlarm.dimensions).toEqual({ QueueName: "shared-failures" });
  });

  it("grants the existing queue's customer key too", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    const table = new EventTable(stack, "Table", { tableName: "events", alarms: false });
    const encryptionKey = EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:123456789012:key/f");
    new StreamConsumer(stack, "Consumer", { stream, table, failureQueue: Queue.fromQueueArn(stack, "Failures", QUEUE_ARN, { encryptionKey }) });
    const statements = policyOf(onlyResource(synth(stack), "aws_iam_role_policy")).Statement;
    expect(statements).toContainEqual({ Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "arn:aws:kms:eu-west-1:123456789012:key/f" });
  });

  it.each([
    ["a name", { failureQueueName: "x" }],
    ["a retention period", { failureQueueRetentionPeriod: Duration.days(1) }],
    ["a key", { failureQueueEncryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:123456789012:key/f") }],
  ])("rejects %s for the queue it does not create", (_label, props) => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { alarms: false });
    const table = new EventTable(stack, "Table", { alarms: false });
    const failureQueue = Queue.fromQueueArn(stack, "Failures", QUEUE_ARN);
    expect(() => new StreamConsumer(stack, "Consumer", { stream, table, failureQueue, ...props })).toThrow(
      "test/Consumer: failureQueueRetentionPeriod, failureQueueName and failureQueueEncryptionKey configure the queue this construct creates; drop them when giving failureQueue",
    );
  });
});
