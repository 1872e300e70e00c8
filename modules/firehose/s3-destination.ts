import { Construct } from "constructs";
import { KinesisFirehoseDeliveryStreamExtendedS3Configuration } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { IEncryptionKey } from "../kms/encryption-key";
import { PolicyStatement } from "../iam/policy-statement";
import { IRole, Role, Trust } from "../iam/role";
import { IBucket, SecureBucket } from "../s3/secure-bucket";
import { validateOneOf } from "../core/validation";
import { BufferingHints, BufferingProps } from "./buffering-hints";
import { Compression, COMPRESSION_FORMATS } from "./compression";
import { DeliveryLogging, DeliveryLoggingProps } from "./delivery-logging";
import { DataProcessorProps, LambdaProcessor } from "./lambda-processor";
import { OutputPrefixes, OutputPrefixProps } from "./output-prefixes";
import { S3Backup, S3BackupProps } from "./s3-backup";

export interface S3DestinationProps extends BufferingProps, OutputPrefixProps, DeliveryLoggingProps {
  /** The bucket to deliver into. @default a `SecureBucket` created for this destination (no outputs of its own) */
  readonly bucket?: IBucket;
  /** @default GZIP (smaller objects; Athena and most readers take it as is) */
  readonly compression?: Compression;
  /** Encrypt the delivered objects with this KMS key. @default the bucket's default encryption */
  readonly encryptionKey?: IEncryptionKey;
  /** Also copy every source record, untransformed, to S3. @default none */
  readonly s3Backup?: S3BackupProps;
  /** Transform records with a Lambda function before delivery. @default none */
  readonly processor?: DataProcessorProps;
  /** The role Firehose uses to write, created here or existing (`Role.fromRoleArn`); grants are added to it. @default one created for this destination */
  readonly role?: IRole;
}

/** What a destination gives the delivery stream it is bound to. */
export interface DestinationConfig {
  readonly extendedS3Configuration: KinesisFirehoseDeliveryStreamExtendedS3Configuration;
  readonly role: IRole;
  readonly bucket: IBucket;
}

const S3_BUCKET_ACTIONS = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"];
const S3_OBJECT_ACTIONS = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"];

/**
 * An S3 destination of a `DeliveryStream` (the CDK `destinations.S3Bucket`), made of parts that
 * each check their own props: `BufferingHints`, `OutputPrefixes`, `DeliveryLogging`, `S3Backup`
 * and `LambdaProcessor`.
 */
export class S3Destination {
  constructor(readonly props: S3DestinationProps = {}) {}

  /** Validates every part, then creates the role, grants, bucket and log streams in the delivery stream's scope. */
  bind(scope: Construct, deliveryStreamName: string, sourceAccount: string): DestinationConfig {
    const p = this.props;
    const buffering = new BufferingHints(scope, p);
    const prefixes = new OutputPrefixes(scope, p);
    validateOneOf(scope, "destination.compression", p.compression, COMPRESSION_FORMATS);
    const logging = new DeliveryLogging(scope, p);
    const backup = p.s3Backup && new S3Backup(scope, p.s3Backup);
    const processor = p.processor && new LambdaProcessor(scope, p.processor);

    const bucket = p.bucket ?? new SecureBucket(scope, "Bucket", { outputs: false });
    const role =
      p.role ??
      new Role(scope, "DestinationRole", {
        description: `Firehose ${deliveryStreamName} writes to its S3 destination`,
        assumedBy: firehoseTrust(sourceAccount),
      });
    grantObjectWrites(role, bucket, p.encryptionKey ?? bucket.encryptionKey);
    const logStreams = logging.bind(scope, role, deliveryStreamName, backup !== undefined);
    const backupBucket = backup?.bucketOr(bucket);
    if (backupBucket && backupBucket !== bucket) grantObjectWrites(role, backupBucket, backupBucket.encryptionKey);
    processor?.grantInvoke(role);

    return {
      role,
      bucket,
      extendedS3Configuration: {
        bucketArn: bucket.bucketArn,
        roleArn: role.roleArn,
        bufferingInterval: buffering.intervalSeconds,
        bufferingSize: buffering.sizeMiB,
        compressionFormat: p.compression ?? "GZIP",
        prefix: prefixes.dataOutputPrefix,
        errorOutputPrefix: prefixes.errorOutputPrefix,
        kmsKeyArn: p.encryptionKey?.keyArn,
        cloudwatchLoggingOptions: logStreams.destination,
        processingConfiguration: processor?.processingConfiguration,
        ...(backup ? backup.configuration(bucket, role.roleArn, logStreams.backup) : { s3BackupMode: "Disabled" }),
      },
    };
  }
}

/**
 * Firehose may assume the role only on behalf of this account (confused-deputy protection). Not
 * also aws:SourceArn: Firehose's documented trust policy for an S3 destination conditions on the
 * account (sts:ExternalId or aws:SourceAccount) and does not say that the delivery stream's ARN is
 * set, and an unconfirmed key would stop delivery.
 */
export function firehoseTrust(sourceAccount: string) {
  return Trust.service("firehose.amazonaws.com", { StringEquals: { "aws:SourceAccount": sourceAccount } });
}

/**
 * What Firehose needs to write objects into a bucket: bucket-level listing, object-level
 * put/get/abort, and the objects' key, usable only through S3 and only for this bucket's objects.
 */
function grantObjectWrites(role: IRole, bucket: IBucket, key: IEncryptionKey | undefined): void {
  role.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: S3_BUCKET_ACTIONS, resources: [bucket.bucketArn] }));
  role.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: S3_OBJECT_ACTIONS, resources: [`${bucket.bucketArn}/*`] }));
  // With an S3 Bucket Key the encryption context is the bucket's ARN, without one the object's.
  key?.grantEncryptDecrypt(role, { StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucket.bucketArn, `${bucket.bucketArn}/*`] } });
}
