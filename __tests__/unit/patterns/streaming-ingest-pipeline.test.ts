import { DataStream, Duration, EventTable, ProducerAccessMode, Secret, SecureBucket, StreamingIngestPipeline, StreamMode } from "../../../modules";
import { Queue } from "../../../modules";
import { TerraformOutput, TerraformResource } from "cdktf";
import { newStack, onlyResource, resourcesOf, synth } from "../../helpers/synth";

function build(props: Partial<ConstructorParameters<typeof StreamingIngestPipeline>[2]> = {}) {
  const { stack } = newStack();
  const pipeline = new StreamingIngestPipeline(stack, "Pipe", { namePrefix: "acme", ...props });
  return { stack, pipeline, json: synth(stack) as any };
}
const values = (json: any, type: string): any[] => Object.values(resourcesOf(json, type));

describe("StreamingIngestPipeline", () => {
  it("composes every part with names from the prefix", () => {
    const { json } = build();
    expect(values(json, "aws_kinesis_stream").map((s) => s.name)).toEqual(["acme-events"]);
    expect(values(json, "aws_dynamodb_table").map((t) => t.name)).toEqual(["acme-events"]);
    expect(values(json, "aws_sqs_queue").map((q) => q.name)).toEqual(["acme-consumer-parking"]);
    expect(values(json, "aws_api_gateway_rest_api").map((a) => a.name)).toEqual(["acme-ingest"]);
    expect(values(json, "aws_secretsmanager_secret").map((s) => s.name)).toEqual(["acme/ingest-api/basic-auth"]);
    expect(values(json, "aws_kinesis_firehose_delivery_stream").map((d) => d.name)).toEqual(["acme-events-to-s3"]);
    expect(values(json, "aws_s3_bucket").map((b) => b.bucket_prefix).sort()).toEqual(["acme-access-logs-", "acme-archive-", "acme-failures-"]);
    expect(resourcesOf(json, "aws_iam_user")).toEqual({}); // no producer unless asked
  });

  it("builds a dashboard of API errors and latency, stream, consumer, parked records and Firehose freshness", () => {
    const { json } = build();
    const dashboard = onlyResource(json, "aws_cloudwatch_dashboard");
    expect(dashboard.dashboard_name).toBe("acme-pipeline");
    const widgets = JSON.parse(dashboard.dashboard_body).widgets;
    const metricNames = widgets.flatMap((w: any) => w.properties.metrics.map((m: any[]) => `${m[0]}/${m[1]}`));
    expect(metricNames).toEqual([
      "AWS/ApiGateway/4XXError",
      "AWS/ApiGateway/5XXError",
      "AWS/ApiGateway/Latency",
      "AWS/ApiGateway/Latency",
      "AWS/Kinesis/IncomingRecords",
      "AWS/Kinesis/GetRecords.IteratorAgeMilliseconds",
      "AWS/Lambda/Errors",
      "AWS/Lambda/IteratorAge",
      "AWS/SQS/ApproximateNumberOfMessagesVisible",
      "AWS/SQS/ApproximateAgeOfOldestMessage",
      "AWS/Firehose/DeliveryToS3.DataFreshness",
    ]);
    expect(widgets[0].properties.region).toBe("eu-west-1");
    expect(build({ dashboard: false }).json.resource.aws_cloudwatch_dashboard).toBeUndefined();
  });

  it("passes each part's own props through", () => {
    const { json } = build({
      stream: { streamMode: StreamMode.ON_DEMAND, retentionPeriod: Duration.hours(72) },
      table: { timeToLiveAttribute: "expiresAt" },
      consumer: { batchSize: 500, function: { memorySize: 512 } },
      api: { stageName: "v1", authorizerResultsCacheTtl: Duration.minutes(1) },
      alarmActions: ["arn:aws:sns:eu-west-1:123456789012:ops"],
    });
    expect(onlyResource(json, "aws_kinesis_stream")).toMatchObject({ retention_period: 72, stream_mode_details: { stream_mode: "ON_DEMAND" } });
    expect(onlyResource(json, "aws_dynamodb_table").ttl).toEqual({ attribute_name: "expiresAt", enabled: true });
    expect(onlyResource(json, "aws_lambda_event_source_mapping").batch_size).toBe(500);
    expect(values(json, "aws_lambda_function").find((f) => f.function_name === "acme-stream-consumer").memory_size).toBe(512);
    expect(onlyResource(json, "aws_api_gateway_stage").stage_name).toBe("v1");
    for (const alarm of values(json, "aws_cloudwatch_metric_alarm")) expect(alarm.alarm_actions).toEqual(["arn:aws:sns:eu-west-1:123456789012:ops"]);
  });

  it("accepts an existing stream, table, bucket and secret, creating none of them", () => {
    const { stack } = newStack();
    const secretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:creds-AbCdEf";
    new StreamingIngestPipeline(stack, "Pipe", {
      namePrefix: "acme",
      existingStream: DataStream.fromStreamArn(stack, "Stream", { streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/legacy" }),
      existingTable: EventTable.fromTableAttributes(stack, "Table", { tableArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/legacy" }),
      archiveBucket: SecureBucket.fromBucketName("legacy-archive"),
      api: { credentials: { existingSecret: Secret.fromSecretArn(secretArn) } },
    });
    const json = synth(stack) as any;
    for (const type of ["aws_kinesis_stream", "aws_dynamodb_table", "aws_secretsmanager_secret"]) {
      expect(resourcesOf(json, type)).toEqual({});
    }
    // The consumer's failure bucket only (no archive or access-log bucket).
    expect(values(json, "aws_s3_bucket").map((b) => b.bucket_prefix)).toEqual(["acme-failures-"]);
    expect(onlyResource(json, "aws_kinesis_firehose_delivery_stream")).toMatchObject({
      name: "legacy-to-s3",
      extended_s3_configuration: expect.objectContaining({ bucket_arn: "arn:aws:s3:::legacy-archive" }),
    });
    expect(json.output.Pipe_api_credentials_secret_arn.value).toBe(secretArn);
  });

  it("sends the consumer's failures to an existing queue, creating none (the parking queue only), and outputs its URL", () => {
    const { stack } = newStack();
    const failureQueue = Queue.fromQueueArn(stack, "Failures", "arn:aws:sqs:eu-west-1:123456789012:shared-failures");
    new StreamingIngestPipeline(stack, "Pipe", { namePrefix: "acme", consumer: { failureQueue } });
    const json = synth(stack) as any;
    expect(values(json, "aws_sqs_queue").map((q) => q.name)).toEqual(["acme-consumer-parking"]);
    expect(onlyResource(json, "aws_lambda_event_source_mapping").destination_config.on_failure.destination_arn).toBe("arn:aws:sqs:eu-west-1:123456789012:shared-failures");
    expect(json.output.Pipe_failure_queue_url.value).toBe("https://sqs.eu-west-1.amazonaws.com/123456789012/shared-failures");
  });

  it("archives to several delivery streams from the one stream", () => {
    const { json } = build({ archives: [{}, { name: "raw", destination: { compression: "UNCOMPRESSED" } }] });
    const streams = values(json, "aws_kinesis_firehose_delivery_stream");
    expect(streams.map((s) => [s.name, s.extended_s3_configuration.prefix, s.extended_s3_configuration.compression_format])).toEqual([
      ["acme-events-to-s3-raw", "raw/!{timestamp:yyyy/MM/dd/HH}/", "UNCOMPRESSED"],
      ["acme-events-to-s3", "events/!{timestamp:yyyy/MM/dd/HH}/", "GZIP"],
    ]);
  });

  it("outputs the usage plan's API keys once, sensitive, under the pipeline's name", () => {
    const { json } = build({ api: { usagePlan: { apiKeyNames: ["partner-a"] } } });
    expect(json.output.Pipe_api_keys).toMatchObject({ sensitive: true, value: { "partner-a": expect.stringMatching(/aws_api_gateway_api_key\.[\w-]+\.value/) } });
    // The API's own outputs are off: its keys are not output a second time under its name.
    expect(Object.keys(json.output).filter((name) => name.endsWith("api_keys"))).toEqual(["Pipe_api_keys"]);
    expect(build().json.output.Pipe_api_keys).toBeUndefined();
  });

  it("adds the partner's access, with its outputs, when asked", () => {
    const { json } = build({ producer: { mode: ProducerAccessMode.ASSUME_ROLE, trustedAccountId: "444455556666", externalId: "ext-1" } });
    expect(values(json, "aws_iam_role").map((r) => r.name)).toContain("acme-partner-producer");
    expect(json.output.Pipe_producer_role_arn.value).toMatch(/aws_iam_role\.Pipe_Producer_Role/);
  });

  it("outputs the encrypted secret when the access key is PGP-encrypted", () => {
    const { json } = build({ producer: { mode: ProducerAccessMode.ACCESS_KEY, pgpKey: "keybase:partner" } });
    expect(json.output.Pipe_producer_encrypted_secret_access_key).toMatchObject({ sensitive: true });
    expect(json.output.Pipe_producer_secret_access_key).toBeUndefined();
  });

  it.each([
    ["a stream and an existing stream", { stream: {}, existingStream: {} as never }, "stream and existingStream are exclusive; give one"],
    ["a table and an existing table", { table: {}, existingTable: {} as never }, "table and existingTable are exclusive; give one"],
    ["no archives", { archives: [] }, "archives must hold at least one archive; got none"],
    ["two archives of one name", { archives: [{ name: "x" }, { name: "x" }] }, 'archives need distinct names; got ["x","x"]'],
    ["a bad prefix", { namePrefix: "Acme" }, 'namePrefix must be 1–24 characters of [a-z0-9-], starting with a letter; got "Acme"'],
  ])("rejects %s", (_label, props, message) => {
    expect(() => build(props as never)).toThrow(message);
  });

  it("rejects a Number-typed partition key for its bundled consumer before creating any resource", () => {
    const { stack } = newStack();
    const make = () => new StreamingIngestPipeline(stack, "Pipe", { namePrefix: "acme", table: { partitionKey: { name: "id", type: "N" } } });
    expect(make).toThrow('test/Pipe: table.partitionKey.type must be "S" for the bundled consumer (it writes each record\'s id as a string; give entry for another handler); got "N" for "id"');
    expect(stack.node.findAll().filter((c) => TerraformResource.isTerraformResource(c))).toEqual([]);
  });

  it("emits each of its outputs once and none of its parts' own (the parts' outputs are off)", () => {
    const { json, stack, pipeline } = build({ producer: { trustedAccountId: "444455556666", externalId: "partner-7f3a" } });
    expect(Object.keys(json.output).sort()).toEqual([
      "Pipe_api_credentials_secret_arn",
      "Pipe_api_url",
      "Pipe_archive_bucket",
      "Pipe_failure_bucket",
      "Pipe_parking_queue_url",
      "Pipe_producer_role_arn",
      "Pipe_stream_arn",
      "Pipe_stream_name",
      "Pipe_table_name",
    ]);
    // The stream's, the bucket's, the delivery stream's, the API's and the producer's own outputs
    // would sit under their constructs: every output is the pipeline's own.
    const owners = stack.node.findAll().filter((c) => TerraformOutput.isTerraformOutput(c)).map((c) => c.node.scope);
    expect(owners).toHaveLength(9);
    expect(owners.every((owner) => owner === pipeline)).toBe(true);
  });
});
