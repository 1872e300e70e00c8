import { EMULATED_SERVICES, localEmulatorProviderConfig } from "../../../modules/core/local-emulator";
import { resolveConfig } from "../../../app/config";
import { synthApp } from "../../helpers/app";

const PROD_CONTEXT = { environments: { dev: {}, prod: { region: "eu-west-1", stateBucket: "acme-terraform-state", stateKey: "p.tfstate" } } };

describe("the local emulator setting (INGEST_EMULATOR_ENDPOINT)", () => {
  it("points every service the stacks use at the emulator, path-style, with test credentials and no look-ups", () => {
    const stacks = synthApp({ INGEST_EMULATOR_ENDPOINT: "http://127.0.0.1:5000", INGEST_STATE_DIR: "/tmp/states" }, PROD_CONTEXT);
    for (const json of Object.values(stacks)) {
      const provider = json.provider.aws[0];
      expect(provider).toMatchObject({
        access_key: "test",
        secret_key: "test",
        s3_use_path_style: true,
        skip_credentials_validation: true,
        skip_metadata_api_check: "true",
        skip_region_validation: true,
        skip_requesting_account_id: true,
      });
      expect(provider.endpoints).toEqual([Object.fromEntries(EMULATED_SERVICES.map((s) => [s, "http://127.0.0.1:5000"]))]);
      // Every AWS service the stack has resources of is among the emulated endpoints.
      const services = new Set(Object.keys(json.resource).map((t) => SERVICE_OF_TYPE.find(([prefix]) => t.startsWith(prefix))?.[1] ?? t));
      for (const service of services) expect(EMULATED_SERVICES).toContain(service);
    }
    // State is local, in the chosen directory, even where the environment names an S3 bucket.
    expect(stacks["streaming-ingest-prod"].terraform.backend).toEqual({ local: { path: "/tmp/states/terraform.streaming-ingest-prod.tfstate" } });
    expect(stacks["streaming-ingest-dev"].terraform.backend).toEqual({ local: { path: "/tmp/states/terraform.streaming-ingest-dev.tfstate" } });
  });

  it("is off by default: no endpoints, no test credentials, remote state where configured", () => {
    const stacks = synthApp({}, PROD_CONTEXT);
    expect(stacks["streaming-ingest-prod"].provider.aws[0]).toEqual({ region: "eu-west-1", default_tags: [expect.anything()] });
    expect(stacks["streaming-ingest-prod"].terraform.backend.s3).toMatchObject({ bucket: "acme-terraform-state" });
  });

  it.each([
    ["INGEST_EMULATOR_ENDPOINT", "localhost:5000", 'INGEST_EMULATOR_ENDPOINT must be an http(s) URL such as http://127.0.0.1:5000; got "localhost:5000"'],
    ["INGEST_STATE_DIR", "states", 'INGEST_STATE_DIR must be an absolute directory; got "states"'],
    ["INGEST_AWS_PROVIDER_VERSION", "latest", 'INGEST_AWS_PROVIDER_VERSION must be a Terraform version constraint such as ">= 5.100.0, < 7.0.0"; got "latest"'],
  ])("refuses %s=%s", (name, value, message) => {
    expect(() => resolveConfig({ [name]: value })).toThrow(message);
  });

  it("rejects a non-URL in the library helper too", () => {
    expect(() => localEmulatorProviderConfig("ftp://x")).toThrow("the emulator endpoint must be an http(s) URL");
  });
});

describe("the AWS provider version constraint", () => {
  it("admits 5.100 and every 6.x by default, and can be set", () => {
    const dev = (env: NodeJS.ProcessEnv) => synthApp(env)["streaming-ingest"].terraform.required_providers.aws;
    expect(dev({})).toEqual({ source: "hashicorp/aws", version: ">= 5.100.0, < 7.0.0" });
    expect(dev({ INGEST_AWS_PROVIDER_VERSION: "~> 6.25" })).toEqual({ source: "hashicorp/aws", version: "~> 6.25" });
  });
});

/** Resource type prefix → the provider's endpoints key. */
const SERVICE_OF_TYPE: Array<[string, string]> = [
  ["aws_api_gateway_", "apigateway"],
  ["aws_appautoscaling_", "applicationautoscaling"],
  ["aws_cloudwatch_log_", "logs"],
  ["aws_cloudwatch_", "cloudwatch"],
  ["aws_dynamodb_", "dynamodb"],
  ["aws_kinesis_firehose_", "firehose"],
  ["aws_iam_", "iam"],
  ["aws_kinesis_", "kinesis"],
  ["aws_kms_", "kms"],
  ["aws_lambda_", "lambda"],
  ["aws_s3_", "s3"],
  ["aws_secretsmanager_", "secretsmanager"],
  ["aws_sns_", "sns"],
  ["aws_sqs_", "sqs"],
  ["aws_wafv2_", "wafv2"],
];
