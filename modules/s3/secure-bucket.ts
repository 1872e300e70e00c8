import { ITerraformDependable } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { AwsEnvironment } from "../core/aws-environment";
import { IEncryptionKey } from "../kms/encryption-key";
import { Duration } from "../core/duration";
import { isUnresolved, validateDuration, validatePattern, ValidationError, ValidationScope } from "../core/validation";
import { addOutput } from "../core/outputs";
import { skipCheckov } from "../core/checkov";

/** A bucket something can be granted access to or deliver into: created here, or existing. */
export interface IBucket {
  readonly bucketArn: string;
  readonly bucketName: string;
  /** The bucket's default-encryption key, when it is a customer key. */
  readonly encryptionKey?: IEncryptionKey;
  /** The bucket's policy, when this stack manages it: what writes into the bucket wait for. */
  readonly policy?: ITerraformDependable;
}

export interface SecureBucketProps {
  /** Exact bucket name (globally unique). @default `bucketPrefix` + a suffix Terraform generates */
  readonly bucketName?: string;
  /** Prefix of the generated name, `[a-z0-9.-]{1,37}`. @default derived from the construct path */
  readonly bucketPrefix?: string;
  /** Default encryption with this KMS key (SSE-KMS, bucket key on). @default SSE-S3 (AES-256) */
  readonly encryptionKey?: IEncryptionKey;
  /** Write S3 server access logs to this bucket (one made with `accessLogTarget: true`). @default none */
  readonly accessLogsBucket?: IBucket;
  /** @default "<bucket name>/" */
  readonly accessLogsPrefix?: string;
  /** This bucket receives other buckets' access logs: lets the S3 logging service write (SSE-S3 only). @default false */
  readonly accessLogTarget?: boolean;
  /** Delete current objects this long after creation, 1–36500 whole days. @default never (365 days for an access-log target) */
  readonly expiration?: Duration;
  /** Delete overwritten or deleted versions this long after they stop being current, 1–3650 whole days. @default 90 days */
  readonly noncurrentVersionExpiration?: Duration;
  /** Let `terraform destroy` delete a non-empty bucket. @default false */
  readonly forceDestroy?: boolean;
  /** Emit Terraform outputs `<id>_bucket_name` and `<id>_bucket_arn`. @default true (`StreamingIngestPipeline` and `S3Destination` turn them off) */
  readonly outputs?: boolean;
}

export interface BucketImportOptions {
  /** The bucket's default-encryption key, when it is a customer key, so grants include it. @default none */
  readonly encryptionKey?: IEncryptionKey;
}

/** S3's bucket naming rules (general purpose buckets), in the words a message prints. */
const BUCKET_NAME_RULE =
  "3–63 characters of [a-z0-9.-], starting and ending with a letter or digit, no \"..\", not an IP address, " +
  "not starting with xn--, sthree- or amzn-s3-demo-, not ending with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3";

/** Throws unless `value` (when set and resolved) follows S3's bucket naming rules. */
function validateBucketName(scope: ValidationScope, prop: string, value: string | undefined): void {
  if (value === undefined || isUnresolved(value)) return;
  const valid =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) &&
    !value.includes("..") &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(value) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(value) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(value);
  if (!valid) throw new ValidationError(scope, `${prop} must follow S3 bucket naming rules (${BUCKET_NAME_RULE}); got ${JSON.stringify(value)}`);
}

/**
 * An S3 bucket with secure defaults: default encryption (SSE-S3, or SSE-KMS with a key), all
 * public access blocked, object ownership enforced (no ACLs), versioning on, a bucket policy
 * refusing every request not made over TLS, incomplete uploads aborted after 7 days, and
 * optional server access logging.
 */
export class SecureBucket extends Construct implements IBucket {
  /**
   * A bucket that exists already, its ARN in the partition of `scope`'s stack (`aws-cn` for a
   * provider in `cn-north-1`, …). The name is checked against S3's naming rules.
   */
  static fromBucketName(scope: IConstruct, bucketName: string, options?: BucketImportOptions): IBucket;
  /**
   * @deprecated give a scope first, so the ARN takes the stack's partition: this form builds an
   * `arn:aws:` ARN unless `options.partition` says otherwise.
   */
  static fromBucketName(bucketName: string, options?: BucketImportOptions & { partition?: string }): IBucket;
  static fromBucketName(
    scopeOrName: IConstruct | string,
    nameOrOptions?: string | (BucketImportOptions & { partition?: string }),
    importOptions?: BucketImportOptions,
  ): IBucket {
    const scoped = typeof scopeOrName !== "string";
    const bucketName = (scoped ? nameOrOptions : scopeOrName) as string;
    const options = (scoped ? importOptions : nameOrOptions) as (BucketImportOptions & { partition?: string }) | undefined;
    validateBucketName("SecureBucket.fromBucketName", "bucketName", bucketName);
    const partition = scoped ? AwsEnvironment.of(scopeOrName).partition : (options?.partition ?? "aws");
    return { bucketName, bucketArn: `arn:${partition}:s3:::${bucketName}`, encryptionKey: options?.encryptionKey };
  }

  readonly resource: S3Bucket;
  readonly bucketArn: string;
  readonly bucketName: string;
  readonly encryptionKey?: IEncryptionKey;
  /** The bucket policy (TLS only; the log-delivery grant on a log target). */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    super(scope, id);
    validateBucketName(this, "bucketName", props.bucketName);
    validatePattern(this, "bucketPrefix", props.bucketPrefix, /^[a-z0-9][a-z0-9.-]{0,36}$/, "1–37 characters of [a-z0-9.-]");
    if (props.bucketName && props.bucketPrefix) throw new ValidationError(this, "bucketName and bucketPrefix are exclusive; give one");
    const expirationDays = validateDuration(this, "expiration", props.expiration, "days", { min: 1, max: 36500 }) ?? (props.accessLogTarget ? 365 : undefined);
    const noncurrentDays = validateDuration(this, "noncurrentVersionExpiration", props.noncurrentVersionExpiration, "days", { min: 1, max: 3650 }) ?? 90;
    if (props.accessLogTarget && props.encryptionKey) {
      throw new ValidationError(this, "encryptionKey cannot be used with accessLogTarget: S3 server access logs can only be delivered to SSE-S3 buckets");
    }
    if (props.accessLogsPrefix !== undefined && !props.accessLogsBucket) {
      throw new ValidationError(this, "accessLogsPrefix needs accessLogsBucket");
    }

    const prefix = props.bucketPrefix ?? defaultPrefix(this);
    this.resource = new S3Bucket(this, "Resource", {
      ...(props.bucketName ? { bucket: props.bucketName } : { bucketPrefix: `${prefix}-` }),
      forceDestroy: props.forceDestroy ?? false,
    });
    this.bucketArn = this.resource.arn;
    this.bucketName = this.resource.bucket;
    this.encryptionKey = props.encryptionKey;
    const bucket = this.resource.id;
    skipCheckov(this.resource, "CKV2_AWS_62", "No reader needs object-created events (the archive is read in batches); add an aws_s3_bucket_notification when one does");
    skipCheckov(this.resource, "CKV_AWS_144", "Cross-region replication is a disaster-recovery decision outside this stack; versioning is on, so it can be added");
    if (props.accessLogTarget) {
      skipCheckov(this.resource, "CKV_AWS_145", "S3 server access logs can only be delivered to SSE-S3 buckets");
    }

    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket,
      rule: [
        props.encryptionKey
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.encryptionKey.keyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    const publicAccess = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "Ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketVersioningA(this, "Versioning", { bucket, versioningConfiguration: { status: "Enabled" } });

    const statements: object[] = [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        // {"AWS": "*"} is everyone, exactly as "*" is to S3; moto 5.2.5 crashes on PutBucketLogging
        // into a bucket whose policy has a bare "*" principal, so the deploy tier needs this form.
        Principal: { AWS: "*" },
        // A Deny over every S3 action is the point: no request of any kind over plain HTTP.
        Action: "s3:*",
        Resource: [this.bucketArn, `${this.bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ];
    if (props.accessLogTarget) {
      statements.push({
        Sid: "AllowS3ServerAccessLogs",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${this.bucketArn}/*`,
        Condition: { StringEquals: { "aws:SourceAccount": AwsEnvironment.of(this).accountId } },
      });
    }
    this.policy = new S3BucketPolicy(this, "Policy", {
      bucket,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
      // S3 rejects a policy write racing the public-access block.
      dependsOn: [publicAccess],
    });

    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket,
      rule: [
        {
          id: "housekeeping",
          status: "Enabled",
          filter: [{ prefix: "" }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          ...(expirationDays ? { expiration: [{ days: expirationDays }] } : {}),
        },
      ],
    });
    if (props.accessLogsBucket) {
      new S3BucketLoggingA(this, "AccessLogging", {
        bucket,
        targetBucket: props.accessLogsBucket.bucketName,
        targetPrefix: props.accessLogsPrefix ?? `${prefix}/`,
        // S3 refuses a logging target whose policy does not yet let the logging service write.
        dependsOn: props.accessLogsBucket.policy ? [props.accessLogsBucket.policy] : undefined,
      });
    }
    if (props.outputs ?? true) {
      addOutput(this, "NameOutput", `${id}_bucket_name`, { value: this.bucketName, description: "S3 bucket name" });
      addOutput(this, "ArnOutput", `${id}_bucket_arn`, { value: this.bucketArn, description: "S3 bucket ARN" });
    }
  }
}

/** A lower-case prefix from the construct path, ≤ 37 characters (S3's limit for bucket_prefix). */
function defaultPrefix(scope: Construct): string {
  const path = scope.node.scopes.map((s) => s.node.id).filter((p) => p !== "");
  return path.join("-").toLowerCase().replace(/[^a-z0-9.-]/g, "").slice(0, 37).replace(/[.-]+$/, "") || "bucket";
}
