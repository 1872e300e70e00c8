import { Aspects, IAspect, TerraformResource } from "cdktf";
import { IConstruct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";

/** What `terraform destroy` (or a replacement) may do to the resources that hold data. */
export enum RemovalPolicy {
  /**
   * Production: `lifecycle.prevent_destroy` on every stream, table, bucket, queue, secret and
   * key, DynamoDB deletion protection on, and buckets never emptied by Terraform.
   */
  RETAIN = "RETAIN",
  /**
   * Development: destroy removes everything, emptying buckets (`force_destroy`) and deleting
   * secrets without a recovery window, so a stack can be torn down and rebuilt freely.
   */
  DESTROY = "DESTROY",
}

/** The data-holding resource types a removal policy governs. */
const STATEFUL: Array<new (...args: never[]) => TerraformResource> = [KinesisStream, DynamodbTable, S3Bucket, SqsQueue, SecretsmanagerSecret, KmsKey];

/**
 * Applies a removal policy to every data-holding resource created under `scope` (at synth, so
 * it also covers resources added after this call). The policy wins over what the constructs set
 * (`prevent_destroy`, deletion protection, `force_destroy`, the secret recovery window), so one
 * setting decides for the whole pipeline. Point-in-time recovery is not touched: it stays on
 * under both policies.
 */
export function applyRemovalPolicy(scope: IConstruct, policy: RemovalPolicy): void {
  Aspects.of(scope).add(new RemovalPolicyAspect(policy));
}

class RemovalPolicyAspect implements IAspect {
  constructor(private readonly policy: RemovalPolicy) {}

  visit(node: IConstruct): void {
    if (!STATEFUL.some((type) => node instanceof type)) return;
    const resource = node as TerraformResource;
    const retain = this.policy === RemovalPolicy.RETAIN;
    resource.lifecycle = { ...resource.lifecycle, preventDestroy: retain };
    if (node instanceof DynamodbTable) node.deletionProtectionEnabled = retain;
    if (node instanceof S3Bucket) node.forceDestroy = !retain;
    // 0 = delete at once; a retained secret keeps the recovery window it was given.
    if (node instanceof SecretsmanagerSecret && !retain) node.recoveryWindowInDays = 0;
  }
}
