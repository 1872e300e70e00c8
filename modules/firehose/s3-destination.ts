import { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogStream } from "@cdktf/provider-aws/lib/cloudwatch-log-stream";
import { KinesisFirehoseDeliveryStreamExtendedS3Configuration } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { IEncryptionKey } from "../kms/encryption-key";
import { LogGroup } from "../cloudwatch/log-group";
import { PolicyStatement } from "../iam/policy-statement";
import { Role, Trust } from "../iam/role";
import { IBucket, SecureBucket } from "../s3/secure-bucket";
import { validateOneOf, validateRange, ValidationError } from "../core/validation";

export const COMPRESSION_FORMATS = ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"] as const;
export type Compression = (typeof COMPRESSION_FORMATS)[number];

/** A Lambda function that transforms records before delivery: any function ARN, or one of ours. */
export interface IProcessorFunction {
  readonly functionArn: string;
}

export interface DataProcessorProps {
  readonly function: IProcessorFunction;
  /** MiB buffered before invoking the function, 0.2–3. @default 1 */
  readonly bufferSizeMiB?: number;
  /** Seconds buffered before invoking the function, 60–900. @default 60 */
  readonly bufferIntervalSeconds?: number;
}

export interface S3BackupProps {
  /** Where source records are copied. @default the destination bucket, under `backupPrefix` */
  readonly bucket?: IBucket;
  /** @default "source-records/" */
  readonly prefix?: string;
  /** @default GZIP */
  readonly compression?: Compression;
}

export interface S3DestinationProps {
  /** The bucket to deliver into. @default a `SecureBucket` created for this destination */
  readonly bucket?: IBucket;
  /** Seconds to buffer before writing an object, 0–900. @default 300 */
  readonly bufferingIntervalSeconds?: number;
  /** MiB to buffer before writing an object, 1–128. @default 5 */
  readonly bufferingSizeMiB?: number;
  /** @default GZIP (smaller objects; Athena and most readers take it as is) */
  readonly compression?: Compression;
  /** Object key prefix; may use `!{timestamp:…}` and `!{firehose:random-string}`. @default Firehose's `YYYY/MM/dd/HH/` */
  readonly dataOutputPrefix?: string;
  /** Prefix of objects that failed; required when dataOutputPrefix uses `!{…}`, and must then use `!{firehose:error-output-type}`. @default Firehose's */
  readonly errorOutputPrefix?: string;
  /** Encrypt the delivered objects with this KMS key. @default the bucket's default encryption */
  readonly encryptionKey?: IEncryptionKey;
  /** Also copy every source record, untransformed, to S3. @default none */
  readonly s3Backup?: S3BackupProps;
  /** Transform records with a Lambda function before delivery. @default none */
  readonly processor?: DataProcessorProps;
  /** Log delivery errors to CloudWatch Logs. @default true */
  readonly logging?: boolean;
  /** The log group for delivery errors. @default one created per delivery stream, 365-day retention */
  readonly logGroup?: LogGroup;
  /** The role Firehose uses to write; grants are added to it. @default one created for this destination */
  readonly role?: Role;
}

/** What a destination gives the delivery stream it is bound to. */
export interface DestinationConfig {
  readonly extendedS3Configuration: KinesisFirehoseDeliveryStreamExtendedS3Configuration;
  /** The resources the delivery stream must wait for (the role's policy). */
  readonly dependables: TerraformResource[];
  readonly role: Role;
  readonly bucket: IBucket;
  readonly bufferingIntervalSeconds: number;
}

const EXPRESSION = /!\{[^}]*\}/;
const S3_BUCKET_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"];
const S3_OBJECT_ACTIONS = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"];

/** An S3 destination of a `DeliveryStream` (the CDK `destinations.S3Bucket`). */
export class S3Destination {
  constructor(readonly props: S3DestinationProps = {}) {}

  /** Validates, then creates the role, grants, bucket and log streams in the delivery stream's scope. */
  bind(scope: Construct, deliveryStreamName: string, sourceAccount: string): DestinationConfig {
    const p = this.props;
    validateRange(scope, "destination.bufferingIntervalSeconds", p.bufferingIntervalSeconds, { min: 0, max: 900, unit: "seconds" });
    validateRange(scope, "destination.bufferingSizeMiB", p.bufferingSizeMiB, { min: 1, max: 128, unit: "MiB" });
    validateOneOf(scope, "destination.compression", p.compression, COMPRESSION_FORMATS);
    validateOneOf(scope, "destination.s3Backup.compression", p.s3Backup?.compression, COMPRESSION_FORMATS);
    if (p.processor) {
      validateRange(scope, "destination.processor.bufferSizeMiB", p.processor.bufferSizeMiB, { min: 0.2, max: 3, integer: false, unit: "MiB" });
      validateRange(scope, "destination.processor.bufferIntervalSeconds", p.processor.bufferIntervalSeconds, { min: 60, max: 900, unit: "seconds" });
    }
    validatePrefixes(scope, p.dataOutputPrefix, p.errorOutputPrefix);
    if (p.logging === false && p.logGroup) {
      throw new ValidationError(scope, "destination.logGroup is given but destination.logging is false; drop one of them");
    }

    const bucket = p.bucket ?? new SecureBucket(scope, "Bucket");
    const role =
      p.role ??
      new Role(scope, "DestinationRole", {
        description: `Firehose ${deliveryStreamName} writes to its S3 destination`,
        assumedBy: firehoseTrust(sourceAccount),
      });
    grantBucketWrite(role, bucket);
    const objectKey = p.encryptionKey ?? bucket.encryptionKey;
    if (objectKey) grantKeyForBucket(role, objectKey, bucket);

    let logGroupName: string | undefined;
    let deliveryLogStream: string | undefined;
    let backupLogStream: string | undefined;
    if (p.logging ?? true) {
      const logGroup = p.logGroup ?? new LogGroup(scope, "LogGroup", { logGroupName: `/aws/kinesisfirehose/${deliveryStreamName}` });
      logGroupName = logGroup.resource.name; // a reference, so the group exists before the stream
      const stream = (id: string, name: string) => new CloudwatchLogStream(scope, id, { logGroupName: logGroup.resource.name, name }).name;
      // Several delivery streams may share a user's log group: name the streams after this one.
      const streamName = (kind: string) => (p.logGroup ? `${deliveryStreamName}-${kind}` : kind);
      deliveryLogStream = stream("DeliveryLogStream", streamName("DestinationDelivery"));
      if (p.s3Backup) backupLogStream = stream("BackupLogStream", streamName("BackupDelivery"));
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["logs:PutLogEvents"],
          resources: [deliveryLogStream, ...(backupLogStream ? [backupLogStream] : [])].map(
            (s) => `${logGroup.logGroupArn}:log-stream:${s}`,
          ),
        }),
      );
    }

    let backupBucket: IBucket | undefined;
    if (p.s3Backup) {
      backupBucket = p.s3Backup.bucket ?? bucket;
      if (backupBucket !== bucket) {
        grantBucketWrite(role, backupBucket);
        if (backupBucket.encryptionKey) grantKeyForBucket(role, backupBucket.encryptionKey, backupBucket);
      }
    }
    if (p.processor) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
          // The function and its versions (Firehose invokes `<arn>:$LATEST`).
          resources: [p.processor.function.functionArn, `${p.processor.function.functionArn}:*`],
        }),
      );
    }

    const interval = p.bufferingIntervalSeconds ?? 300;
    const logging = (stream?: string) =>
      logGroupName ? { enabled: true, logGroupName, logStreamName: stream } : { enabled: false };
    return {
      role,
      bucket,
      bufferingIntervalSeconds: interval,
      dependables: role.policyDependables,
      extendedS3Configuration: {
        bucketArn: bucket.bucketArn,
        roleArn: role.roleArn,
        bufferingInterval: interval,
        bufferingSize: p.bufferingSizeMiB ?? 5,
        compressionFormat: p.compression ?? "GZIP",
        prefix: p.dataOutputPrefix,
        errorOutputPrefix: p.errorOutputPrefix,
        kmsKeyArn: p.encryptionKey?.keyArn,
        cloudwatchLoggingOptions: logging(deliveryLogStream),
        processingConfiguration: p.processor
          ? {
              enabled: true,
              processors: [
                {
                  type: "Lambda",
                  parameters: [
                    { parameterName: "LambdaArn", parameterValue: `${p.processor.function.functionArn}:$LATEST` },
                    { parameterName: "BufferSizeInMBs", parameterValue: String(p.processor.bufferSizeMiB ?? 1) },
                    { parameterName: "BufferIntervalInSeconds", parameterValue: String(p.processor.bufferIntervalSeconds ?? 60) },
                  ],
                },
              ],
            }
          : undefined,
        s3BackupMode: backupBucket ? "Enabled" : "Disabled",
        s3BackupConfiguration: backupBucket
          ? {
              bucketArn: backupBucket.bucketArn,
              roleArn: role.roleArn,
              prefix: p.s3Backup?.prefix ?? "source-records/",
              compressionFormat: p.s3Backup?.compression ?? "GZIP",
              cloudwatchLoggingOptions: logging(backupLogStream),
            }
          : undefined,
      },
    };
  }
}

/** Firehose may assume the role only on behalf of this account (confused-deputy protection). */
export function firehoseTrust(sourceAccount: string) {
  return Trust.service("firehose.amazonaws.com", { StringEquals: { "aws:SourceAccount": sourceAccount } });
}

/** What Firehose needs to write objects: bucket-level listing, object-level put/get/abort. */
function grantBucketWrite(role: Role, bucket: IBucket): void {
  role.addToPrincipalPolicy(new PolicyStatement({ actions: S3_BUCKET_ACTIONS, resources: [bucket.bucketArn] }));
  role.addToPrincipalPolicy(new PolicyStatement({ actions: S3_OBJECT_ACTIONS, resources: [`${bucket.bucketArn}/*`] }));
}

/** The key, usable only through S3 and only for objects of this bucket. */
function grantKeyForBucket(role: Role, key: IEncryptionKey, bucket: IBucket): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: [key.keyArn],
      // With an S3 Bucket Key the context is the bucket's ARN, without one the object's.
      conditions: { StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucket.bucketArn, `${bucket.bucketArn}/*`] } },
    }),
  );
}

/** AWS's prefix rules, checked at synth instead of at apply. */
function validatePrefixes(scope: Construct, data: string | undefined, error: string | undefined): void {
  if (data !== undefined && EXPRESSION.test(data) && error === undefined) {
    throw new ValidationError(
      scope,
      `destination.errorOutputPrefix is required when dataOutputPrefix uses !{...} expressions; dataOutputPrefix is ${JSON.stringify(data)}`,
    );
  }
  if (data?.includes("!{firehose:error-output-type}")) {
    throw new ValidationError(scope, `destination.dataOutputPrefix must not use !{firehose:error-output-type}; got ${JSON.stringify(data)}`);
  }
  if (error !== undefined && EXPRESSION.test(error) && !error.includes("!{firehose:error-output-type}")) {
    throw new ValidationError(
      scope,
      `destination.errorOutputPrefix must include !{firehose:error-output-type} when it uses expressions; got ${JSON.stringify(error)}`,
    );
  }
  for (const [prop, value] of [["dataOutputPrefix", data], ["errorOutputPrefix", error]] as const) {
    if (value !== undefined && (value.length > 1024 || value.startsWith("/"))) {
      throw new ValidationError(scope, `destination.${prop} must be at most 1024 characters and not start with "/"; got ${JSON.stringify(value.slice(0, 40))}`);
    }
  }
}
