import { TerraformOutput } from "cdktf";
import {
  BufferingHints,
  DataStream,
  DeliveryLogging,
  DeliveryStream,
  Duration,
  IEncryptionKey,
  LambdaProcessor,
  LogGroup,
  OutputPrefixes,
  Role,
  S3Backup,
  S3Destination,
  SecureBucket,
  Size,
  Trust,
} from "../../../modules";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";

const firehoseRole = (scope: ReturnType<typeof newStack>["stack"]) => new Role(scope, "Role", { assumedBy: Trust.service("firehose.amazonaws.com") });
const rolePolicy = (json: any) => policyOf(onlyResource(json, "aws_iam_role_policy"));

/** A key that records the grants asked of it: KMS permissions must come through these methods. */
function recordingKey(keyArn: string) {
  const calls: Array<[method: string, conditions: unknown]> = [];
  const key: IEncryptionKey = {
    keyArn,
    grant: (_grantee, actions, conditions) => calls.push([`grant(${actions.join(",")})`, conditions]),
    grantDecrypt: (_grantee, conditions) => calls.push(["grantDecrypt", conditions]),
    grantEncrypt: (_grantee, conditions) => calls.push(["grantEncrypt", conditions]),
    grantEncryptDecrypt: (_grantee, conditions) => calls.push(["grantEncryptDecrypt", conditions]),
  };
  return { key, calls };
}

describe("BufferingHints", () => {
  it("defaults to 300 s and 5 MiB, and converts Duration and Size to seconds and MiB", () => {
    const { stack } = newStack();
    expect(new BufferingHints(stack, {})).toMatchObject({ intervalSeconds: 300, sizeMiB: 5 });
    expect(new BufferingHints(stack, { bufferingInterval: Duration.minutes(15), bufferingSize: Size.kibibytes(2048) })).toMatchObject({ intervalSeconds: 900, sizeMiB: 2 });
    expect(new BufferingHints(stack, { bufferingInterval: Duration.seconds(0), bufferingSize: Size.mebibytes(1) })).toMatchObject({ intervalSeconds: 0, sizeMiB: 1 });
  });

  it("names the property, the value as written and the range when it refuses one", () => {
    const { stack } = newStack();
    expect(() => new BufferingHints(stack, { bufferingInterval: Duration.hours(1) })).toThrow(
      "test: destination.bufferingInterval must be a whole number from 0 to 900 seconds; got 3600 (1 hour)",
    );
    expect(() => new BufferingHints(stack, { bufferingSize: Size.bytes(1000) })).toThrow(
      /^test: destination\.bufferingSize must be a whole number from 1 to 128 MiB; got 0\.000953\d* \(1000 bytes\)$/,
    );
  });
});

describe("OutputPrefixes", () => {
  it("passes plain prefixes through, with or without an error prefix", () => {
    const { stack } = newStack();
    expect(new OutputPrefixes(stack, { dataOutputPrefix: "events/" })).toEqual({ dataOutputPrefix: "events/", errorOutputPrefix: undefined });
    expect(new OutputPrefixes(stack, { dataOutputPrefix: "e/!{timestamp:yyyy}/", errorOutputPrefix: "err/!{firehose:error-output-type}/" })).toEqual({
      dataOutputPrefix: "e/!{timestamp:yyyy}/",
      errorOutputPrefix: "err/!{firehose:error-output-type}/",
    });
  });

  it("accepts an error prefix without expressions, which needs no error type", () => {
    const { stack } = newStack();
    expect(new OutputPrefixes(stack, { errorOutputPrefix: "errors/" }).errorOutputPrefix).toBe("errors/");
  });

  it("accepts every expression Firehose evaluates", () => {
    const { stack } = newStack();
    const data = "e/!{timestamp:yyyy'-'MM}/!{firehose:random-string}/!{partitionKeyFromQuery:customer}/!{partitionKeyFromLambda:region}/";
    expect(new OutputPrefixes(stack, { dataOutputPrefix: data, errorOutputPrefix: "err/!{firehose:error-output-type}/!{timestamp:yyyy}/" }).dataOutputPrefix).toBe(data);
  });

  it.each([
    ["a misspelt namespace", { dataOutputPrefix: "e/!{timstamp:yyyy}/", errorOutputPrefix: "err/!{firehose:error-output-type}/" }, "dataOutputPrefix", "!{timstamp:yyyy}"],
    ["a timestamp without a format", { dataOutputPrefix: "e/!{timestamp}/", errorOutputPrefix: "err/!{firehose:error-output-type}/" }, "dataOutputPrefix", "!{timestamp}"],
    ["an unknown firehose value", { dataOutputPrefix: "e/", errorOutputPrefix: "err/!{firehose:error-output-type}/!{firehose:random}/" }, "errorOutputPrefix", "!{firehose:random}"],
  ])("refuses %s, naming the property, the expression and the ones allowed", (_label, props, prop, expression) => {
    const { stack } = newStack();
    const value = props[prop as keyof typeof props];
    expect(() => new OutputPrefixes(stack, props)).toThrow(
      `test: destination.${prop} uses the unknown expression ${expression}; Firehose evaluates !{timestamp:<format>}, !{firehose:error-output-type}, !{firehose:random-string}, !{partitionKeyFromQuery:<key>}, !{partitionKeyFromLambda:<key>}; got ${JSON.stringify(value)}`,
    );
  });
});

describe("LambdaProcessor", () => {
  const fn = { functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:transform" };

  it("invokes $LATEST, buffering 1 MiB or 60 s by default", () => {
    const { stack } = newStack();
    expect(new LambdaProcessor(stack, { function: fn }).processingConfiguration.processors).toEqual([
      {
        type: "Lambda",
        parameters: [
          { parameterName: "LambdaArn", parameterValue: `${fn.functionArn}:$LATEST` },
          { parameterName: "BufferSizeInMBs", parameterValue: "1" },
          { parameterName: "BufferIntervalInSeconds", parameterValue: "60" },
        ],
      },
    ]);
  });

  it("takes fractions of a MiB (0.2–3) and whole seconds (60–900)", () => {
    const { stack } = newStack();
    const [processor] = new LambdaProcessor(stack, { function: fn, bufferSize: Size.kibibytes(256), bufferInterval: Duration.minutes(15) }).processingConfiguration.processors as any[];
    expect(processor.parameters.slice(1).map((p: any) => p.parameterValue)).toEqual(["0.25", "900"]);
    expect(() => new LambdaProcessor(stack, { function: fn, bufferInterval: Duration.minutes(16) })).toThrow(
      "destination.processor.bufferInterval must be a whole number from 60 to 900 seconds; got 960 (16 minutes)",
    );
  });

  it("lets the role invoke only that function and its versions", () => {
    const { stack } = newStack();
    new LambdaProcessor(stack, { function: fn }).grantInvoke(firehoseRole(stack));
    expect(rolePolicy(synth(stack)).Statement).toEqual([
      { Effect: "Allow", Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"], Resource: [fn.functionArn, `${fn.functionArn}:*`] },
    ]);
  });
});

describe("S3Backup", () => {
  const logging = { enabled: false as const };

  it("copies into the destination's bucket under source-records/, GZIP, by default", () => {
    const { stack } = newStack();
    const destination = SecureBucket.fromBucketName("archive");
    const backup = new S3Backup(stack, {});
    expect(backup.bucketOr(destination)).toBe(destination);
    expect(backup.configuration(destination, "role-arn", logging)).toEqual({
      s3BackupMode: "Enabled",
      s3BackupConfiguration: { bucketArn: "arn:aws:s3:::archive", roleArn: "role-arn", prefix: "source-records/", compressionFormat: "GZIP", cloudwatchLoggingOptions: logging },
    });
  });

  it("copies into a bucket of its own when given one", () => {
    const { stack } = newStack();
    const backup = new S3Backup(stack, { bucket: SecureBucket.fromBucketName("raw"), prefix: "raw/", compression: "UNCOMPRESSED" });
    expect(backup.configuration(SecureBucket.fromBucketName("archive"), "role-arn", logging).s3BackupConfiguration).toMatchObject({
      bucketArn: "arn:aws:s3:::raw",
      prefix: "raw/",
      compressionFormat: "UNCOMPRESSED",
    });
  });

  it("refuses an unknown compression", () => {
    const { stack } = newStack();
    expect(() => new S3Backup(stack, { compression: "BZIP2" as never })).toThrow(
      'test: destination.s3Backup.compression must be one of UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY; got "BZIP2"',
    );
  });
});

describe("DeliveryLogging", () => {
  it("creates nothing and reports logging off when disabled", () => {
    const { stack } = newStack();
    const role = firehoseRole(stack);
    expect(new DeliveryLogging(stack, { logging: false }).bind(stack, role, "ds", true)).toEqual({ destination: { enabled: false }, backup: { enabled: false } });
    const json = synth(stack);
    expect(resourcesOf(json, "aws_cloudwatch_log_group")).toEqual({});
    expect(resourcesOf(json, "aws_iam_role_policy")).toEqual({});
  });

  it("logs both deliveries to streams of the delivery stream's name in a shared log group, with one grant for both", () => {
    const { stack } = newStack();
    const logGroup = new LogGroup(stack, "Shared", { logGroupName: "/firehose/shared" });
    const streams = new DeliveryLogging(stack, { logGroup }).bind(stack, firehoseRole(stack), "ds", true);
    // The group's name as a reference, so the group is created first.
    const groupName = expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.Shared_\w+\.name\}$/);
    new TerraformOutput(stack, "streams", { value: streams }); // resolved at synth
    const json = synth(stack);
    expect(json.output!.streams.value).toEqual({
      destination: { enabled: true, logGroupName: groupName, logStreamName: expect.stringMatching(/^\$\{aws_cloudwatch_log_stream\.DeliveryLogStream\.name\}$/) },
      backup: { enabled: true, logGroupName: groupName, logStreamName: expect.stringMatching(/^\$\{aws_cloudwatch_log_stream\.BackupLogStream\.name\}$/) },
    });
    expect(Object.values(resourcesOf(json, "aws_cloudwatch_log_stream")).map((s) => s.name).sort()).toEqual(["ds-BackupDelivery", "ds-DestinationDelivery"]);
    const [statement] = rolePolicy(json).Statement;
    expect(statement.Action).toBe("logs:PutLogEvents");
    expect(statement.Resource).toHaveLength(2);
  });
});

describe("S3Destination and DeliveryStream key grants go through the key's own grant methods", () => {
  it("the objects' key: encrypt and decrypt, only through S3, only for that bucket's objects", () => {
    const { stack } = newStack();
    const { key, calls } = recordingKey("arn:aws:kms:eu-west-1:123456789012:key/objects");
    const bucket = SecureBucket.fromBucketName("archive");
    new DeliveryStream(stack, "DS", { deliveryStreamName: "ds", destinations: [new S3Destination({ bucket, encryptionKey: key })] });
    expect(calls).toEqual([["grantEncryptDecrypt", { StringLike: { "kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::archive", "arn:aws:s3:::archive/*"] } }]]);
  });

  it("the source stream's key: decrypt", () => {
    const { stack } = newStack();
    const { key, calls } = recordingKey("arn:aws:kms:eu-west-1:123456789012:key/stream");
    const source = DataStream.fromStreamArn(stack, "Source", { streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/events", encryptionKey: key });
    new DeliveryStream(stack, "DS", { source, destinations: [new S3Destination({ bucket: SecureBucket.fromBucketName("archive") })] });
    expect(calls).toEqual([["grantDecrypt", undefined]]);
  });
});
