import { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { validateRange, validatePattern } from "../core/validation";
import { skipCheckov } from "../core/checkov";

/** A customer-managed KMS key, created here or passed in by ARN. */
export interface IEncryptionKey {
  readonly keyArn: string;
}

export interface EncryptionKeyProps {
  /** What the key protects. */
  readonly description: string;
  /** Alias without the `alias/` prefix. @default none */
  readonly alias?: string;
  /** Waiting period before deletion, 7–30 days. @default 30 */
  readonly deletionWindowInDays?: number;
}

/**
 * A symmetric customer-managed KMS key with yearly rotation on. Its key policy is the AWS
 * default (the account may delegate use through IAM), so grants are plain IAM statements.
 */
export class EncryptionKey extends Construct implements IEncryptionKey {
  /** A key that exists already, by ARN. */
  static fromKeyArn(keyArn: string): IEncryptionKey {
    return { keyArn };
  }

  readonly resource: KmsKey;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    validateRange(this, "deletionWindowInDays", props.deletionWindowInDays, { min: 7, max: 30, unit: "days" });
    validatePattern(this, "alias", props.alias, /^(?!aws\/)[a-zA-Z0-9/_-]{1,250}$/, "1–250 of [a-zA-Z0-9/_-], not starting with aws/");
    this.resource = new KmsKey(this, "Resource", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
    });
    this.keyArn = this.resource.arn;
    skipCheckov(this.resource, "CKV2_AWS_64", "AWS's default key policy applies: the account delegates to IAM, and every use is an IAM statement that the IAM walk test checks; writing it out would add a kms:* statement");
    if (props.alias) {
      new KmsAlias(this, "Alias", { name: `alias/${props.alias}`, targetKeyId: this.resource.keyId });
    }
  }
}
