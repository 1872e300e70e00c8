import { resourceValues as values, synthApp } from "../../helpers/app";

describe("the app (main.ts)", () => {
  const single = () => synthApp()["streaming-ingest"];

  it("synthesizes the whole pipeline: API, stream, consumer into the table, archive to S3, and no producer identity", () => {
    const json = single();
    expect(values(json, "aws_api_gateway_rest_api")).toEqual([expect.objectContaining({ name: "ingest-ingest" })]);
    expect(values(json, "aws_kinesis_stream")).toEqual([expect.objectContaining({ name: "ingest-events", encryption_type: "KMS" })]);
    expect(values(json, "aws_dynamodb_table")).toEqual([expect.objectContaining({ name: "ingest-events" })]);
    expect(values(json, "aws_lambda_function").map((f) => f.function_name).sort()).toEqual(["ingest-authorizer", "ingest-stream-consumer"]);
    expect(values(json, "aws_kinesis_firehose_delivery_stream")).toEqual([
      expect.objectContaining({ name: "ingest-events-to-s3", extended_s3_configuration: expect.objectContaining({ cloudwatch_logging_options: expect.objectContaining({ enabled: true }) }) }),
    ]);
    // No partner configured: no user, no access key, no producer role (partners come in through the API).
    expect(json.resource.aws_iam_user).toBeUndefined();
    expect(json.resource.aws_iam_access_key).toBeUndefined();
    expect(values(json, "aws_iam_role").map((r) => r.name)).not.toContain("ingest-partner-producer");
    // 3 stream + 2 table + 4 consumer (errors, iterator age, parked records and their age) + 1 delivery-stream alarms
    expect(values(json, "aws_cloudwatch_metric_alarm")).toHaveLength(10);
    expect(values(json, "aws_cloudwatch_dashboard")).toEqual([expect.objectContaining({ dashboard_name: "ingest-pipeline" })]);
    expect(json.provider.aws[0]).toEqual({ region: "us-east-1", default_tags: [{ tags: { ManagedBy: "cdktf", Project: "streaming-ingest" } }] });
  });

  it("outputs the API URL, stream, table, buckets and parking queue, and no credential", () => {
    const outputs = single().output;
    expect(Object.keys(outputs).sort()).toEqual([
      "Pipeline_api_credentials_secret_arn",
      "Pipeline_api_url",
      "Pipeline_archive_bucket",
      "Pipeline_failure_bucket",
      "Pipeline_parking_queue_url",
      "Pipeline_stream_arn",
      "Pipeline_stream_name",
      "Pipeline_table_name",
    ]);
    expect(outputs.Pipeline_stream_name.value).toBe("ingest-events");
  });

  it("creates an access key only with a PGP key: state and outputs then hold only its ciphertext", () => {
    const json = synthApp({ INGEST_PRODUCER_MODE: "ACCESS_KEY", INGEST_PRODUCER_PGP_KEY: "keybase:partner" })["streaming-ingest"];
    expect(values(json, "aws_iam_access_key")).toEqual([expect.objectContaining({ pgp_key: "keybase:partner" })]);
    expect(json.output.Pipeline_producer_encrypted_secret_access_key.value).toMatch(/\.encrypted_secret\}$/);
    expect(JSON.stringify(json.output)).not.toMatch(/\.secret\}/);
  });

  it("rotates the API's password on the configured schedule with the rotation function, and not by default", () => {
    const json = synthApp({ INGEST_SECRET_ROTATION_DAYS: "30" })["streaming-ingest"];
    expect(values(json, "aws_secretsmanager_secret_rotation")).toEqual([expect.objectContaining({ rotation_rules: { automatically_after_days: 30 } })]);
    expect(values(json, "aws_lambda_function").map((f) => f.function_name)).toHaveLength(3);
    expect(single().resource.aws_secretsmanager_secret_rotation).toBeUndefined();
  });

  it("manages the account's API Gateway logging setting, moved from where IngestApi kept it (an upgrade replaces nothing), or leaves it to another stack", () => {
    const json = single();
    const address = (type: string) => `${type}.${Object.keys(json.resource[type]).find((k) => k.startsWith("Pipeline_ApiGatewayAccount_"))}`;
    expect(json.moved).toEqual([
      { from: "aws_iam_role.Pipeline_Api_CloudWatchRole_7F9427D2", to: address("aws_iam_role") },
      { from: "aws_iam_role_policy.Pipeline_Api_CloudWatchRole_Policy_26122C65", to: address("aws_iam_role_policy") },
      { from: "aws_api_gateway_account.Pipeline_Api_AccountSettings_6C5EFCB4", to: address("aws_api_gateway_account") },
    ]);
    const elsewhere = synthApp({ INGEST_APIGW_ACCOUNT_LOGGING: "false" })["streaming-ingest"];
    expect(elsewhere.resource.aws_api_gateway_account).toBeUndefined();
    expect(elsewhere.moved).toBeUndefined();
  });

  it("uses a partner role when the partner's account is configured", () => {
    const json = synthApp({ INGEST_PARTNER_ACCOUNT_ID: "444455556666", INGEST_PARTNER_EXTERNAL_ID: "ext-123" })["streaming-ingest"];
    expect(values(json, "aws_iam_role")).toContainEqual(expect.objectContaining({ name: "ingest-partner-producer" }));
    expect(json.resource.aws_iam_user).toBeUndefined();
    expect(json.output.Pipeline_producer_role_arn).toBeDefined();
  });

  it("synthesizes one stack per environment, with its own names, region, tags and backend", () => {
    const stacks = synthApp({}, {
      environments: { dev: {}, prod: { region: "eu-west-1", stateBucket: "acme-state", stateKey: "ingest/prod.tfstate" } },
    });
    expect(Object.keys(stacks)).toEqual(["streaming-ingest-dev", "streaming-ingest-prod"]);
    const [dev, prod] = [stacks["streaming-ingest-dev"], stacks["streaming-ingest-prod"]];
    expect(dev.terraform.backend).toEqual({ local: { path: "../../../terraform.streaming-ingest-dev.tfstate" } });
    expect(prod.terraform.backend).toEqual({ s3: { bucket: "acme-state", key: "ingest/prod.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true } });
    expect(values(dev, "aws_kinesis_stream")[0].name).toBe("ingest-dev-events");
    expect(values(prod, "aws_kinesis_stream")[0].name).toBe("ingest-prod-events");
    expect(prod.provider.aws[0].region).toBe("eu-west-1");
    expect(prod.provider.aws[0].default_tags[0].tags.Environment).toBe("prod");
  });

  it("keeps prod's records 7 days and gives up on them an hour earlier; dev keeps 24 h; prod cannot be destroyed by accident", () => {
    const stacks = synthApp({}, { environments: { dev: {}, prod: { stateBucket: "acme-state" } } });
    const [dev, prod] = [stacks["streaming-ingest-dev"], stacks["streaming-ingest-prod"]];
    expect([values(dev, "aws_kinesis_stream")[0].retention_period, values(prod, "aws_kinesis_stream")[0].retention_period]).toEqual([24, 168]);
    expect(values(dev, "aws_lambda_event_source_mapping")[0]).toMatchObject({ maximum_record_age_in_seconds: 23 * 3600, maximum_retry_attempts: -1 });
    expect(values(prod, "aws_lambda_event_source_mapping")[0]).toMatchObject({ maximum_record_age_in_seconds: 167 * 3600, maximum_retry_attempts: -1 });
    const table = values(prod, "aws_dynamodb_table")[0];
    expect(table).toMatchObject({ deletion_protection_enabled: true, point_in_time_recovery: { enabled: true }, lifecycle: { prevent_destroy: true } });
    for (const type of ["aws_kinesis_stream", "aws_sqs_queue", "aws_s3_bucket", "aws_kms_key"]) {
      for (const resource of values(prod, type)) expect(resource.lifecycle).toEqual({ prevent_destroy: true });
    }
    for (const bucket of values(prod, "aws_s3_bucket")) expect(bucket.force_destroy).toBe(false);
    for (const bucket of values(dev, "aws_s3_bucket")) expect([bucket.force_destroy, bucket.lifecycle]).toEqual([true, { prevent_destroy: false }]);
    expect(values(dev, "aws_dynamodb_table")[0]).toMatchObject({ deletion_protection_enabled: false, point_in_time_recovery: { enabled: true } });
  });

});
