import {
  DataStream,
  DeliveryStream,
  DeliveryStreamEncryption,
  Duration,
  EncryptionKey,
  IRole,
  LogGroup,
  NodejsFunction,
  PolicyStatement,
  Role,
  S3Destination,
  SecureBucket,
  Size,
  StreamEncryption,
  Trust,
} from "../../../modules";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";

const ref = (json: any, type: string, pred: (k: string) => boolean = () => true, attr = "arn") =>
  `\${${type}.${Object.keys(json.resource[type]).find(pred)}.${attr}}`;
/** The policy of the role whose logical id starts with `prefix` or contains `_<prefix>`. */
const rolePolicy = (json: any, prefix: string) =>
  policyOf(Object.entries(resourcesOf(json, "aws_iam_role_policy")).find(([k]) => k.startsWith(prefix) || k.includes(`_${prefix}`))![1] as any);
const firehose = (json: any) => onlyResource(json, "aws_kinesis_firehose_delivery_stream");

describe("DeliveryStream: the AWS CDK README's examples, in CDKTF", () => {
  it("Defining a Delivery Stream: a bucket, a Direct PUT stream with error logging on, and a role to write the bucket", () => {
    const { stack } = newStack();
    const bucket = new SecureBucket(stack, "Bucket");
    new DeliveryStream(stack, "Delivery Stream", { destinations: [new S3Destination({ bucket })] });
    const json = synth(stack);
    expect(Object.keys(resourcesOf(json, "aws_s3_bucket"))).toHaveLength(1);
    const ds = firehose(json);
    expect(ds.kinesis_source_configuration).toBeUndefined(); // Direct PUT
    expect(ds.server_side_encryption).toEqual({ enabled: true, key_type: "AWS_OWNED_CMK" });
    expect(ds.extended_s3_configuration).toMatchObject({
      bucket_arn: ref(json, "aws_s3_bucket"),
      cloudwatch_logging_options: { enabled: true, log_stream_name: ref(json, "aws_cloudwatch_log_stream", () => true, "name") },
    });
    expect(Object.keys(resourcesOf(json, "aws_iam_role"))).toEqual([expect.stringMatching(/DestinationRole/)]);
  });

  it("S3 destination: delivers into the given bucket (and creates a secure one when none is given)", () => {
    const { stack } = newStack();
    new DeliveryStream(stack, "Delivery Stream", { destinations: [new S3Destination()] });
    const json = synth(stack);
    expect(firehose(json).extended_s3_configuration.bucket_arn).toBe(ref(json, "aws_s3_bucket"));
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, restrict_public_buckets: true });
  });

  it("Logs: delivery errors go to a log group the user gives", () => {
    const { stack } = newStack();
    const logGroup = new LogGroup(stack, "Log Group", { logGroupName: "/firehose/shared", retentionDays: 30 });
    new DeliveryStream(stack, "Delivery Stream", { destinations: [new S3Destination({ logGroup })] });
    const json = synth(stack);
    expect(Object.values(resourcesOf(json, "aws_cloudwatch_log_group")).map((g) => g.name)).toEqual(["/firehose/shared"]);
    expect(onlyResource(json, "aws_cloudwatch_log_stream")).toMatchObject({ name: expect.stringMatching(/-DestinationDelivery$/) });
    expect(firehose(json).extended_s3_configuration.cloudwatch_logging_options.log_group_name).toBe(ref(json, "aws_cloudwatch_log_group", () => true, "name"));
  });

  it("Logs: logging can be disabled", () => {
    const { stack } = newStack();
    new DeliveryStream(stack, "Delivery Stream", { destinations: [new S3Destination({ logging: false })] });
    const json = synth(stack);
    expect(firehose(json).extended_s3_configuration.cloudwatch_logging_options).toEqual({ enabled: false });
    expect(resourcesOf(json, "aws_cloudwatch_log_group")).toEqual({});
    expect(JSON.stringify(rolePolicy(json, "DestinationRole"))).not.toContain("logs:");
  });

  it("Specifying an IAM role: user roles for the source and the destination get exactly the permissions needed", () => {
    // Terraform has no role for Direct PUT sources, so the source role appears with a Kinesis source.
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    const deliveryStreamRole = new Role(stack, "Delivery Stream Role", { assumedBy: Trust.service("firehose.amazonaws.com") });
    const destinationRole = new Role(stack, "Destination Role", { assumedBy: Trust.service("firehose.amazonaws.com") });
    new DeliveryStream(stack, "Delivery Stream", { source: stream, role: deliveryStreamRole, destinations: [new S3Destination({ role: destinationRole })] });
    const json = synth(stack);
    expect(firehose(json).kinesis_source_configuration.role_arn).toBe(ref(json, "aws_iam_role", (k) => k.startsWith("DeliveryStreamRole")));
    expect(firehose(json).extended_s3_configuration.role_arn).toBe(ref(json, "aws_iam_role", (k) => k.startsWith("DestinationRole")));
    expect(Object.keys(resourcesOf(json, "aws_iam_role"))).toHaveLength(2);
    expect(rolePolicy(json, "DeliveryStreamRole").Statement[0].Action).toContain("kinesis:GetRecords");
    expect(rolePolicy(json, "DestinationRole").Statement[0].Action).toContain("s3:ListBucket");
  });

  it("Specifying an IAM role: existing roles (Role.fromRoleArn) for the source and the destination, granted in the importing scope", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    const reader = Role.fromRoleArn(stack, "Reader", "arn:aws:iam::111122223333:role/firehose-reader");
    const writer = Role.fromRoleArn(stack, "Writer", "arn:aws:iam::111122223333:role/firehose-writer");
    const ds = new DeliveryStream(stack, "Delivery Stream", { source: stream, role: reader, destinations: [new S3Destination({ role: writer })] });
    const json = synth(stack);
    expect(firehose(json).kinesis_source_configuration.role_arn).toBe(reader.roleArn);
    expect(firehose(json).extended_s3_configuration.role_arn).toBe(writer.roleArn);
    expect([ds.role, ds.destinationRole]).toEqual([reader, writer]);
    expect(resourcesOf(json, "aws_iam_role")).toEqual({});
    // Each existing role gets one inline policy, created in the importing scope (test/Reader, test/Writer).
    const policies = Object.values<any>(resourcesOf(json, "aws_iam_role_policy"));
    expect(policies.map((p) => [p.role, p.name])).toEqual([
      ["firehose-reader", expect.stringMatching(/^test-Reader-/)],
      ["firehose-writer", expect.stringMatching(/^test-Writer-/)],
    ]);
    expect(rolePolicy(json, "Reader").Statement[0].Action).toContain("kinesis:GetRecords");
    expect(rolePolicy(json, "Writer").Statement[0].Action).toContain("s3:ListBucket");
  });

  it("Specifying an IAM role: any IRole, whose grant principal receives the destination's grants", () => {
    const { stack } = newStack();
    const granted: PolicyStatement[] = [];
    const role: IRole = {
      roleArn: "arn:aws:iam::111122223333:role/managed-elsewhere",
      roleName: "managed-elsewhere",
      grantPrincipal: { addToPrincipalPolicy: (statement) => void granted.push(statement) },
    };
    new DeliveryStream(stack, "Delivery Stream", { destinations: [new S3Destination({ role })] });
    expect(firehose(synth(stack)).extended_s3_configuration.role_arn).toBe(role.roleArn);
    expect(granted.flatMap((statement) => statement.actions)).toEqual(expect.arrayContaining(["s3:ListBucket", "s3:PutObject", "logs:PutLogEvents"]));
  });

  it("Granting application access: grantPutRecords gives exactly PutRecord and PutRecordBatch", () => {
    const { stack } = newStack();
    const ds = new DeliveryStream(stack, "Delivery Stream", { destinations: [new S3Destination()] });
    const lambdaRole = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    ds.grantPutRecords(lambdaRole);
    const json = synth(stack);
    expect(rolePolicy(json, "Role_Policy").Statement).toEqual([
      { Effect: "Allow", Action: ["firehose:PutRecord", "firehose:PutRecordBatch"], Resource: ref(json, "aws_kinesis_firehose_delivery_stream") },
    ]);
  });

  it("Granting a delivery stream access to a resource: fn.grantInvoke(deliveryStream)", () => {
    const { stack } = newStack();
    const ds = new DeliveryStream(stack, "Delivery Stream", { destinations: [new S3Destination()] });
    const fn = new NodejsFunction(stack, "Function", { entry: "stream-consumer", functionName: "fn" });
    fn.grantInvoke(ds);
    const json = synth(stack);
    const fnArn = ref(json, "aws_lambda_function");
    expect(rolePolicy(json, "DestinationRole").Statement).toContainEqual({ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [fnArn, `${fnArn}:*`] });
  });

  it("Multiple destinations: more than one is a synth-time error", () => {
    const { stack } = newStack();
    expect(() => new DeliveryStream(stack, "DS", { destinations: [new S3Destination(), new S3Destination()] })).toThrow(
      "test/DS: destinations must hold exactly one destination (Firehose delivers to one); got 2",
    );
  });
});

describe("DeliveryStream with a Kinesis source", () => {
  function fromStream(encryption?: StreamEncryption) {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", encryption, alarms: false, outputs: false });
    new DeliveryStream(stack, "ToS3", { source: stream, destinations: [new S3Destination()] });
    return synth(stack);
  }

  it("emits its name and ARN by default (not those of the bucket it creates), none with outputs: false", () => {
    const output = fromStream().output!;
    expect(Object.keys(output).sort()).toEqual(["ToS3_delivery_stream_arn", "ToS3_delivery_stream_name"]);
    expect(output.ToS3_delivery_stream_name.value).toBe("events-to-s3");
    expect(output.ToS3_delivery_stream_arn.value).toMatch(/^\$\{aws_kinesis_firehose_delivery_stream\.ToS3_\w+\.arn\}$/);
    const { stack } = newStack();
    const source = new DataStream(stack, "Stream", { streamName: "events", alarms: false, outputs: false });
    new DeliveryStream(stack, "ToS3", { source, outputs: false, destinations: [new S3Destination()] });
    expect(synth(stack).output).toBeUndefined();
  });

  it("is named <stream>-to-s3 and reads the stream through its own role", () => {
    const json = fromStream();
    expect(firehose(json)).toMatchObject({
      name: "events-to-s3",
      destination: "extended_s3",
      kinesis_source_configuration: { kinesis_stream_arn: ref(json, "aws_kinesis_stream"), role_arn: ref(json, "aws_iam_role", (k) => k.includes("SourceRole")) },
    });
    expect(firehose(json).server_side_encryption).toBeUndefined();
  });

  it("gives the source role exactly the four read actions on that stream", () => {
    const json = fromStream();
    expect(rolePolicy(json, "SourceRole")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"],
          Resource: ref(json, "aws_kinesis_stream"),
        },
      ],
    });
  });

  it("adds kms:Decrypt on the stream's customer key", () => {
    const json = fromStream(StreamEncryption.CUSTOMER_MANAGED);
    expect(rolePolicy(json, "SourceRole").Statement[1]).toEqual({ Effect: "Allow", Action: "kms:Decrypt", Resource: ref(json, "aws_kms_key") });
  });

  it("gives the destination role exactly bucket listing, object writes and its own log stream", () => {
    const json = fromStream();
    const bucket = ref(json, "aws_s3_bucket");
    expect(rolePolicy(json, "DestinationRole")).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: bucket },
        { Effect: "Allow", Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"], Resource: `${bucket}/*` },
        {
          Effect: "Allow",
          Action: "logs:PutLogEvents",
          Resource: `${ref(json, "aws_cloudwatch_log_group")}:log-stream:${ref(json, "aws_cloudwatch_log_stream", () => true, "name")}`,
        },
      ],
    });
  });

  it("trusts firehose.amazonaws.com for this account only (confused deputy)", () => {
    const json = fromStream();
    for (const role of Object.values(resourcesOf(json, "aws_iam_role"))) {
      expect(policyOf(role, "assume_role_policy").Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: ["firehose.amazonaws.com"] },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": expect.stringMatching(/^\$\{data\.aws_caller_identity\.\w+\.account_id\}$/) } },
        },
      ]);
    }
  });

  it("is created after its roles' policies", () => {
    const json = fromStream();
    expect(firehose(json).depends_on.sort()).toEqual(Object.keys(resourcesOf(json, "aws_iam_role_policy")).map((k) => `aws_iam_role_policy.${k}`).sort());
  });

  it("lets one data stream feed two delivery streams, each with its own name and roles", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    const bucket = new SecureBucket(stack, "Bucket");
    new DeliveryStream(stack, "Raw", { source: stream, destinations: [new S3Destination({ bucket, dataOutputPrefix: "raw/" })] });
    new DeliveryStream(stack, "Compact", {
      source: stream,
      deliveryStreamName: "events-to-s3-compact",
      destinations: [new S3Destination({ bucket, dataOutputPrefix: "compact/", bufferingSize: Size.mebibytes(128), bufferingInterval: Duration.minutes(15) })],
    });
    const json = synth(stack);
    const streams = Object.values(resourcesOf(json, "aws_kinesis_firehose_delivery_stream"));
    expect(streams.map((s) => [s.name, s.kinesis_source_configuration.kinesis_stream_arn, s.extended_s3_configuration.prefix]).sort()).toEqual([
      ["events-to-s3", ref(json, "aws_kinesis_stream"), "raw/"],
      ["events-to-s3-compact", ref(json, "aws_kinesis_stream"), "compact/"],
    ]);
    expect(Object.keys(resourcesOf(json, "aws_iam_role"))).toHaveLength(4);
  });

  it("refuses two delivery streams of one source with the same default name", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    new DeliveryStream(stack, "A", { source: stream, destinations: [new S3Destination()] });
    expect(() => new DeliveryStream(stack, "B", { source: stream, destinations: [new S3Destination()] })).toThrow(
      'test/B: deliveryStreamName "events-to-s3" is already used by another delivery stream of this source; name this one',
    );
  });

  it("adds each statement once when one role and bucket serve several delivery streams", () => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    const key = new EncryptionKey(stack, "Key", { description: "objects" });
    const bucket = new SecureBucket(stack, "Bucket", { encryptionKey: key });
    const sharedRole = new Role(stack, "Shared", { assumedBy: Trust.service("firehose.amazonaws.com") });
    for (const id of ["One", "Two", "Three"]) {
      new DeliveryStream(stack, id, { source: stream, deliveryStreamName: `events-${id}`, role: sharedRole, destinations: [new S3Destination({ bucket, role: sharedRole, logging: false })] });
    }
    const statements = rolePolicy(synth(stack), "Shared_Policy").Statement;
    const keys = statements.map((s: any) => JSON.stringify([s.Resource, s.Condition ?? null]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(statements).toHaveLength(4); // bucket, objects, object key, stream
  });
});

describe("S3Destination props", () => {
  function build(destination: ConstructorParameters<typeof S3Destination>[0], props: Partial<ConstructorParameters<typeof DeliveryStream>[2]> = {}) {
    const { stack } = newStack();
    new DeliveryStream(stack, "DS", { deliveryStreamName: "ds", destinations: [new S3Destination(destination)], ...props });
    return synth(stack);
  }

  it("defaults: 300 s or 5 MiB buffering, GZIP, logging on, 365-day log retention, no backup", () => {
    const json = build({});
    expect(firehose(json).extended_s3_configuration).toMatchObject({ buffering_interval: 300, buffering_size: 5, compression_format: "GZIP", s3_backup_mode: "Disabled" });
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({ name: "/aws/kinesisfirehose/ds", retention_in_days: 365 });
    expect(onlyResource(json, "aws_cloudwatch_log_stream").name).toBe("DestinationDelivery");
  });

  it("sets buffering, compression, prefixes and the object key", () => {
    const json = build({
      bufferingInterval: Duration.seconds(0),
      bufferingSize: Size.mebibytes(128),
      compression: "HADOOP_SNAPPY",
      dataOutputPrefix: "data/!{timestamp:yyyy}/",
      errorOutputPrefix: "err/!{firehose:error-output-type}/",
      encryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:123456789012:key/obj"),
    });
    expect(firehose(json).extended_s3_configuration).toMatchObject({
      buffering_interval: 0,
      buffering_size: 128,
      compression_format: "HADOOP_SNAPPY",
      prefix: "data/!{timestamp:yyyy}/",
      error_output_prefix: "err/!{firehose:error-output-type}/",
      kms_key_arn: "arn:aws:kms:eu-west-1:123456789012:key/obj",
    });
    expect(rolePolicy(json, "DestinationRole").Statement).toContainEqual({
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "arn:aws:kms:eu-west-1:123456789012:key/obj",
      Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": [ref(json, "aws_s3_bucket"), `${ref(json, "aws_s3_bucket")}/*`] } },
    });
  });

  it("backs up source records to S3 with a log stream of its own", () => {
    const json = build({ s3Backup: { prefix: "backup/" } });
    const cfg = firehose(json).extended_s3_configuration;
    expect(cfg.s3_backup_mode).toBe("Enabled");
    expect(cfg.s3_backup_configuration).toMatchObject({
      bucket_arn: ref(json, "aws_s3_bucket"),
      prefix: "backup/",
      compression_format: "GZIP",
      cloudwatch_logging_options: { enabled: true, log_stream_name: ref(json, "aws_cloudwatch_log_stream", (k) => k.includes("Backup"), "name") },
    });
    expect(Object.values(resourcesOf(json, "aws_cloudwatch_log_stream")).map((s) => s.name).sort()).toEqual(["BackupDelivery", "DestinationDelivery"]);
  });

  it("transforms with a Lambda processor and may invoke only that function", () => {
    const fnArn = "arn:aws:lambda:eu-west-1:123456789012:function:transform";
    const json = build({ processor: { function: { functionArn: fnArn }, bufferSize: Size.kibibytes(512), bufferInterval: Duration.minutes(2) } });
    expect(firehose(json).extended_s3_configuration.processing_configuration).toEqual({
      enabled: true,
      processors: [
        {
          type: "Lambda",
          parameters: [
            { parameter_name: "LambdaArn", parameter_value: `${fnArn}:$LATEST` },
            { parameter_name: "BufferSizeInMBs", parameter_value: "0.5" },
            { parameter_name: "BufferIntervalInSeconds", parameter_value: "120" },
          ],
        },
      ],
    });
    expect(rolePolicy(json, "DestinationRole").Statement).toContainEqual({
      Effect: "Allow",
      Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
      Resource: [fnArn, `${fnArn}:*`],
    });
  });

  it("encrypts Direct PUT data with a customer key when asked", () => {
    const json = build({}, { encryption: DeliveryStreamEncryption.CUSTOMER_MANAGED, encryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:123456789012:key/sse") });
    expect(firehose(json).server_side_encryption).toEqual({ enabled: true, key_type: "CUSTOMER_MANAGED_CMK", key_arn: "arn:aws:kms:eu-west-1:123456789012:key/sse" });
  });

  it("alarms on data freshness at the buffering interval + 15 minutes", () => {
    const json = build({ bufferingInterval: Duration.minutes(1) });
    expect(onlyResource(json, "aws_cloudwatch_metric_alarm")).toMatchObject({
      alarm_name: "ds-data-freshness",
      namespace: "AWS/Firehose",
      metric_name: "DeliveryToS3.DataFreshness",
      statistic: "Maximum",
      threshold: 960,
      dimensions: { DeliveryStreamName: "ds" },
    });
    expect(build({}, { alarms: false }).resource.aws_cloudwatch_metric_alarm).toBeUndefined();
  });

  it.each([
    ["a 901 s interval", { bufferingInterval: Duration.seconds(901) }, "destination.bufferingInterval must be a whole number from 0 to 900 seconds; got 901 (901 seconds)"],
    ["a 16-minute interval", { bufferingInterval: Duration.minutes(16) }, "destination.bufferingInterval must be a whole number from 0 to 900 seconds; got 960 (16 minutes)"],
    ["an interval of part of a second", { bufferingInterval: Duration.millis(500) }, "destination.bufferingInterval must be a whole number from 0 to 900 seconds; got 0.5 (500 milliseconds)"],
    ["a 0 MiB buffer", { bufferingSize: Size.mebibytes(0) }, "destination.bufferingSize must be a whole number from 1 to 128 MiB; got 0 (0 MiB)"],
    ["a 129 MiB buffer", { bufferingSize: Size.mebibytes(129) }, "destination.bufferingSize must be a whole number from 1 to 128 MiB; got 129 (129 MiB)"],
    ["a buffer of 1.5 MiB", { bufferingSize: Size.kibibytes(1536) }, "destination.bufferingSize must be a whole number from 1 to 128 MiB; got 1.5 (1536 KiB)"],
    ["a buffer of 1 GiB", { bufferingSize: Size.gibibytes(1) }, "destination.bufferingSize must be a whole number from 1 to 128 MiB; got 1024 (1 GiB)"],
    ["an unknown compression", { compression: "BZIP2" as never }, 'destination.compression must be one of UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY; got "BZIP2"'],
    ["an expression prefix without an error prefix", { dataOutputPrefix: "x/!{timestamp:yyyy}/" }, 'destination.errorOutputPrefix is required when dataOutputPrefix uses !{...} expressions; dataOutputPrefix is "x/!{timestamp:yyyy}/"'],
    ["an error prefix without the error type", { dataOutputPrefix: "x/!{timestamp:yyyy}/", errorOutputPrefix: "e/!{timestamp:yyyy}/" }, "destination.errorOutputPrefix must include !{firehose:error-output-type} when it uses expressions"],
    ["the error type in the data prefix", { dataOutputPrefix: "x/!{firehose:error-output-type}/", errorOutputPrefix: "e/!{firehose:error-output-type}/" }, "destination.dataOutputPrefix must not use !{firehose:error-output-type}"],
    ["a log group with logging off", { logging: false, logGroup: {} as LogGroup }, "destination.logGroup is given but destination.logging is false; drop one of them"],
    ["a 4 MiB processor buffer", { processor: { function: { functionArn: "a" }, bufferSize: Size.mebibytes(4) } }, "destination.processor.bufferSize must be a number from 0.2 to 3 MiB; got 4 (4 MiB)"],
    ["a 100 KiB processor buffer", { processor: { function: { functionArn: "a" }, bufferSize: Size.kibibytes(100) } }, "destination.processor.bufferSize must be a number from 0.2 to 3 MiB; got 0.09765625 (100 KiB)"],
    ["a 30 s processor interval", { processor: { function: { functionArn: "a" }, bufferInterval: Duration.seconds(30) } }, "destination.processor.bufferInterval must be a whole number from 60 to 900 seconds; got 30 (30 seconds)"],
    ["an unknown backup compression", { s3Backup: { compression: "LZ4" as never } }, 'destination.s3Backup.compression must be one of UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY; got "LZ4"'],
    ["a prefix starting with /", { dataOutputPrefix: "/data/" }, 'destination.dataOutputPrefix must be at most 1024 characters and not start with "/"; got "/data/"'],
    ["an error prefix over 1024 characters", { errorOutputPrefix: "e".repeat(1025) }, `destination.errorOutputPrefix must be at most 1024 characters and not start with "/"; got "${"e".repeat(40)}"`],
  ])("rejects %s", (_label, destination, message) => {
    expect(() => build(destination as never)).toThrow(message);
  });

  it.each([
    ["SSE with a Kinesis source", { encryption: DeliveryStreamEncryption.AWS_OWNED }, "encryption must not be set with a Kinesis source (AWS rejects it; the source stream's encryption protects the data); got AWS_OWNED"],
  ])("rejects %s", (_label, props, message) => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events" });
    expect(() => new DeliveryStream(stack, "DS", { source: stream, destinations: [new S3Destination()], ...props })).toThrow(message);
  });

  it.each([
    ["a key without CUSTOMER_MANAGED", { encryptionKey: { keyArn: "k" } }, "encryptionKey needs encryption: CUSTOMER_MANAGED"],
    ["CUSTOMER_MANAGED without a key", { encryption: DeliveryStreamEncryption.CUSTOMER_MANAGED }, "encryption CUSTOMER_MANAGED needs encryptionKey"],
    ["a source role with Direct PUT", { role: {} as Role }, "role reads a Kinesis source; with Direct PUT there is none to read"],
    ["a 65-character name", { deliveryStreamName: "x".repeat(65) }, "deliveryStreamName must be 1–64 characters of [a-zA-Z0-9_.-]"],
  ])("rejects %s", (_label, props, message) => {
    expect(() => build({}, props as never)).toThrow(message);
  });
});

describe("SecureBucket", () => {
  it("encrypts, blocks public access, enforces ownership, versions, and refuses non-TLS requests", () => {
    const { stack } = newStack();
    new SecureBucket(stack, "Data", { bucketPrefix: "ingest-data" });
    const json = synth(stack);
    expect(onlyResource(json, "aws_s3_bucket")).toMatchObject({ bucket_prefix: "ingest-data-", force_destroy: false });
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]);
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
    expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({ status: "Enabled" });
    const bucket = ref(json, "aws_s3_bucket");
    expect(policyOf(onlyResource(json, "aws_s3_bucket_policy"))).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: [bucket, `${bucket}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ],
    });
    expect(onlyResource(json, "aws_s3_bucket_lifecycle_configuration").rule[0]).toMatchObject({
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      noncurrent_version_expiration: [{ noncurrent_days: 90 }],
    });
  });

  it("uses SSE-KMS with a bucket key when given a key", () => {
    const { stack } = newStack();
    new SecureBucket(stack, "Data", { encryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:123456789012:key/b") });
    expect(onlyResource(synth(stack), "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "arn:aws:kms:eu-west-1:123456789012:key/b" }, bucket_key_enabled: true },
    ]);
  });

  it("logs access to a log bucket that admits only S3 logging from this account and keeps logs a year", () => {
    const { stack } = newStack();
    const logs = new SecureBucket(stack, "Logs", { accessLogTarget: true });
    new SecureBucket(stack, "Data", { accessLogsBucket: logs, bucketPrefix: "data" });
    const json = synth(stack);
    expect(onlyResource(json, "aws_s3_bucket_logging")).toMatchObject({ target_bucket: ref(json, "aws_s3_bucket", (k) => k.startsWith("Logs"), "bucket"), target_prefix: "data/" });
    const logPolicy = policyOf(Object.entries(resourcesOf(json, "aws_s3_bucket_policy")).find(([k]) => k.startsWith("Logs"))![1] as any);
    expect(logPolicy.Statement[1]).toMatchObject({ Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject" });
    const lifecycle = Object.entries(resourcesOf(json, "aws_s3_bucket_lifecycle_configuration")).find(([k]) => k.startsWith("Logs"))![1] as any;
    expect(lifecycle.rule[0].expiration).toEqual([{ days: 365 }]);
  });

  it.each([
    ["an upper-case name", { bucketName: "MyBucket" }, 'bucketName must follow S3 bucket naming rules (3–63 characters of [a-z0-9.-], starting and ending with a letter or digit, no ".."'],
    ["a name and a prefix", { bucketName: "abc", bucketPrefix: "abc" }, "bucketName and bucketPrefix are exclusive"],
    ["a KMS key on a log target", { accessLogTarget: true, encryptionKey: { keyArn: "k" } }, "encryptionKey cannot be used with accessLogTarget"],
    ["a log prefix without a log bucket", { accessLogsPrefix: "x/" }, "accessLogsPrefix needs accessLogsBucket"],
  ])("rejects %s", (_label, props, message) => {
    const { stack } = newStack();
    expect(() => new SecureBucket(stack, "B", props as never)).toThrow(message);
  });
});
