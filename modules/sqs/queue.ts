import { Fn } from "cdktf";
import { Construct } from "constructs";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Duration } from "../core/duration";
import { IEncryptionKey } from "../kms/encryption-key";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { Metric, metricFactory, MetricOptions } from "../cloudwatch/metric";
import { uniqueName } from "../core/naming";
import { isUnresolved, validateDuration, validatePattern, ValidationError } from "../core/validation";

export interface QueueProps {
  /** Physical name, `[a-zA-Z0-9_-]{1,80}`. @default a deterministic name from the construct path */
  readonly queueName?: string;
  /** How long SQS keeps a message, 60 seconds to 14 days. @default Duration.days(4) (the SQS default) */
  readonly retentionPeriod?: Duration;
  /** Encrypt with this customer-managed KMS key (SSE-KMS). @default SQS-managed encryption (SSE-SQS) */
  readonly encryptionKey?: IEncryptionKey;
}

export interface QueueImportOptions {
  /** @default derived from the ARN: `https://sqs.<region>.<domain>/<account>/<name>` */
  readonly queueUrl?: string;
  /** The queue's customer-managed key, so grants include the KMS statements. @default none (SSE-SQS or none) */
  readonly encryptionKey?: IEncryptionKey;
}

/** An SQS queue, created here (`Queue`) or existing (`Queue.fromQueueArn`). */
export interface IQueue {
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly queueName: string;
  /** The customer-managed key, when the queue uses one. */
  readonly encryptionKey?: IEncryptionKey;
  grantSendMessages(grantee: IGrantable): void;
  grantConsumeMessages(grantee: IGrantable): void;
  metricApproximateNumberOfMessagesVisible(options?: MetricOptions): Metric;
  metricApproximateAgeOfOldestMessage(options?: MetricOptions): Metric;
}

const QUEUE_NAME = /^[a-zA-Z0-9_-]{1,80}$/;
const QUEUE_ARN = /^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):([a-zA-Z0-9_-]{1,80})$/;
/** The SQS endpoint domain of each partition whose domain is known; others need `queueUrl`. */
const SQS_DOMAIN: Record<string, string> = { aws: "amazonaws.com", "aws-us-gov": "amazonaws.com", "aws-cn": "amazonaws.com.cn" };

/** Grants and metrics shared by created and imported queues. */
abstract class QueueBase extends Construct implements IQueue {
  abstract readonly queueArn: string;
  abstract readonly queueUrl: string;
  abstract readonly queueName: string;
  abstract readonly encryptionKey?: IEncryptionKey;

  /** Send messages: `sqs:SendMessage`; with a customer key, what an SQS producer needs of it (`kms:Decrypt`, `kms:GenerateDataKey`). */
  grantSendMessages(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [this.queueArn] }));
    this.encryptionKey?.grantEncryptDecrypt(grantee);
  }

  /** Receive, delete and re-time messages (what an SDK consumer calls); `kms:Decrypt` with a customer key. */
  grantConsumeMessages(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        resources: [this.queueArn],
      }),
    );
    this.encryptionKey?.grantDecrypt(grantee);
  }

  /** Messages waiting to be received (Maximum). */
  metricApproximateNumberOfMessagesVisible(options: MetricOptions = {}): Metric {
    return metricFactory("AWS/SQS", { QueueName: this.queueName })("ApproximateNumberOfMessagesVisible", "Maximum", options);
  }

  /** Age of the oldest message waiting, seconds (Maximum). */
  metricApproximateAgeOfOldestMessage(options: MetricOptions = {}): Metric {
    return metricFactory("AWS/SQS", { QueueName: this.queueName })("ApproximateAgeOfOldestMessage", "Maximum", options);
  }
}

class ImportedQueue extends QueueBase {
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly queueName: string;
  readonly encryptionKey?: IEncryptionKey;

  constructor(scope: Construct, id: string, queueArn: string, options: QueueImportOptions) {
    super(scope, id);
    validatePattern(this, "queueArn", queueArn, QUEUE_ARN, "an SQS queue ARN (arn:<partition>:sqs:<region>:<account>:<name>)");
    this.queueArn = queueArn;
    this.encryptionKey = options.encryptionKey;
    if (isUnresolved(queueArn)) {
      if (options.queueUrl === undefined) throw new ValidationError(this, "queueUrl is required when queueArn is a reference");
      this.queueUrl = options.queueUrl;
      this.queueName = Fn.element(Fn.split(":", queueArn), 5);
      return;
    }
    const [, partition, region, account, name] = QUEUE_ARN.exec(queueArn)!;
    if (options.queueUrl === undefined && !SQS_DOMAIN[partition]) {
      throw new ValidationError(this, `queueUrl is required in partition ${partition}, whose SQS domain is not known here`);
    }
    this.queueName = name;
    this.queueUrl = options.queueUrl ?? `https://sqs.${region}.${SQS_DOMAIN[partition]}/${account}/${name}`;
  }
}

/**
 * A standard SQS queue, always encrypted at rest: SSE-SQS unless a customer key is given. The
 * Terraform resource is the construct's default child, so the queue's address is the
 * construct's own path (`<scope>_<id>`), as if the `SqsQueue` were created there directly.
 */
export class Queue extends QueueBase {
  /** A queue that exists already (grants and metrics only; nothing is created). */
  static fromQueueArn(scope: Construct, id: string, queueArn: string, options: QueueImportOptions = {}): IQueue {
    return new ImportedQueue(scope, id, queueArn, options);
  }

  readonly resource: SqsQueue;
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly queueName: string;
  readonly encryptionKey?: IEncryptionKey;

  constructor(scope: Construct, id: string, props: QueueProps = {}) {
    super(scope, id);
    validatePattern(this, "queueName", props.queueName, QUEUE_NAME, "1–80 characters of [a-zA-Z0-9_-]");
    const retentionSeconds = validateDuration(this, "retentionPeriod", props.retentionPeriod, "seconds", { min: 60, max: 1_209_600 });

    this.encryptionKey = props.encryptionKey;
    // "Default" is left out of Terraform logical ids: the queue keeps the address it had before it was wrapped.
    this.resource = new SqsQueue(this, "Default", {
      name: props.queueName ?? uniqueName(this, 80, /[^A-Za-z0-9_-]/g),
      messageRetentionSeconds: retentionSeconds,
      ...(props.encryptionKey ? { kmsMasterKeyId: props.encryptionKey.keyArn } : { sqsManagedSseEnabled: true }),
    });
    this.queueArn = this.resource.arn;
    this.queueUrl = this.resource.url;
    this.queueName = this.resource.name;
  }
}
