import { AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";

/**
 * The services this library's constructs call, by the provider's `endpoints` key. Every one is
 * pointed at the emulator, so nothing the stack does can reach real AWS by accident.
 */
export const EMULATED_SERVICES = [
  "apigateway",
  "applicationautoscaling",
  "cloudwatch",
  "dynamodb",
  "firehose",
  "iam",
  "kinesis",
  "kms",
  "lambda",
  "logs",
  "s3",
  "secretsmanager",
  "sns",
  "sqs",
  "sts",
  "wafv2",
] as const;

/**
 * AWS provider settings that point a stack at a local AWS emulator (moto server, LocalStack):
 * every service endpoint we use, path-style S3, fixed test credentials, and no account,
 * credential, region or metadata look-ups. What `tflocal` does for HCL users, for cdktf stacks:
 * `new AwsProvider(stack, "aws", { region, ...localEmulatorProviderConfig("http://127.0.0.1:5000") })`.
 */
export function localEmulatorProviderConfig(endpoint: string): Partial<AwsProviderConfig> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`the emulator endpoint must be an http(s) URL such as http://127.0.0.1:5000; got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`the emulator endpoint must be an http(s) URL such as http://127.0.0.1:5000; got ${JSON.stringify(endpoint)}`);
  }
  const base = endpoint.replace(/\/+$/, "");
  return {
    accessKey: "test",
    secretKey: "test",
    s3UsePathStyle: true,
    skipCredentialsValidation: true,
    skipMetadataApiCheck: "true",
    skipRegionValidation: true,
    skipRequestingAccountId: true,
    endpoints: [Object.fromEntries(EMULATED_SERVICES.map((service) => [service, base]))],
  };
}
