import { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { Duration } from "../core/duration";
import { validateDuration, validatePattern } from "../core/validation";
import { Conditions, IGrantable, PolicyStatement } from "../iam/policy-statement";
import { AwsEnvironment } from "../core/aws-environment";

/**
 * A customer-managed KMS key, created here or imported by ARN. Every construct that encrypts
 * with a key grants its use through these methods, so key permissions are written one way.
 */
export interface IEncryptionKey {
  readonly keyArn: string;
  /** `actions` on this key, optionally only under `conditions` (e.g. an encryption context). */
  grant(grantee: IGrantable, actions: string[], conditions?: Conditions): void;
  /** Read data encrypted under the key: `kms:Decrypt`. */
  grantDecrypt(grantee: IGrantable, conditions?: Conditions): void;
  /** Write data encrypted under the key (services encrypt with data keys): `kms:GenerateDataKey`. */
  grantEncrypt(grantee: IGrantable, conditions?: Conditions): void;
  /** Both: `kms:Decrypt` and `kms:GenerateDataKey`. */
  grantEncryptDecrypt(grantee: IGrantable, conditions?: Conditions): void;
}

export interface EncryptionKeyProps {
  /** What the key protects. */
  readonly description: string;
  /** Alias without the `alias/` prefix. @default none */
  readonly alias?: string;
  /** How long a key scheduled for deletion can still be restored, 7–30 whole days. @default 30 days */
  readonly pendingWindow?: Duration;
}

/** The grant methods, shared by a created key and an imported one. */
abstract class EncryptionKeyBase implements IEncryptionKey {
  abstract readonly keyArn: string;

  grant(grantee: IGrantable, actions: string[], conditions?: Conditions): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [this.keyArn], conditions }));
  }
  grantDecrypt(grantee: IGrantable, conditions?: Conditions): void {
    this.grant(grantee, ["kms:Decrypt"], conditions);
  }
  grantEncrypt(grantee: IGrantable, conditions?: Conditions): void {
    this.grant(grantee, ["kms:GenerateDataKey"], conditions);
  }
  grantEncryptDecrypt(grantee: IGrantable, conditions?: Conditions): void {
    this.grant(grantee, ["kms:Decrypt", "kms:GenerateDataKey"], conditions);
  }
}

/**
 * What the key's account may do to the key itself, named one by one (no `kms:*`): everything an
 * administrator needs, PutKeyPolicy included, so the key can never become unmanageable.
 */
const KEY_ADMINISTRATION = [
  "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation",
  "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants",
  "kms:ListKeyPolicies", "kms:ListKeyRotations", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RetireGrant", "kms:RevokeGrant",
  "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
];

/**
 * The cryptographic uses the account may delegate to its principals through IAM policies (our
 * grant methods): a principal still needs an IAM statement naming this key. CreateGrant and the
 * ReEncrypt pair are what DynamoDB, S3 and Secrets Manager use on a caller's behalf.
 */
const KEY_USE = [
  "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo",
];

/** `arn:<partition>:kms:<region>:<account>:key/<key id>`. */
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

class ImportedKey extends EncryptionKeyBase {
  constructor(readonly keyArn: string) {
    super();
  }
}

/**
 * A symmetric customer-managed KMS key with yearly rotation on. Its key policy is written out,
 * action by action: the key's account administers it (`KEY_ADMINISTRATION`) and may delegate
 * its cryptographic use (`KEY_USE`) through IAM, so every use is an IAM statement made by a
 * grant method and checked by the IAM walk test. Unlike AWS's default policy there is no
 * `kms:*`: nothing in the account can, for instance, import key material or sign with it.
 */
export class EncryptionKey extends Construct implements IEncryptionKey {
  /**
   * A key that exists already, by its key ARN (a literal, validated at synth, or a reference).
   * Not an alias ARN: IAM grants on an alias do not cover the key.
   */
  static fromKeyArn(keyArn: string): IEncryptionKey {
    validatePattern("EncryptionKey.fromKeyArn", "keyArn", keyArn, KEY_ARN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)");
    return new ImportedKey(keyArn);
  }

  readonly resource: KmsKey;
  readonly keyArn: string;
  private readonly grants: IEncryptionKey;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const pendingWindowDays = validateDuration(this, "pendingWindow", props.pendingWindow, "days", { min: 7, max: 30 });
    validatePattern(this, "alias", props.alias, /^(?!aws\/)[a-zA-Z0-9/_-]{1,250}$/, "1–250 of [a-zA-Z0-9/_-], not starting with aws/");
    const environment = AwsEnvironment.of(this);
    const accountRoot = `arn:${environment.partition}:iam::${environment.accountId}:root`;
    this.resource = new KmsKey(this, "Resource", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: pendingWindowDays ?? 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersTheKey",
            Effect: "Allow",
            Principal: { AWS: accountRoot },
            Action: KEY_ADMINISTRATION,
            Resource: "*", // in a key policy, "*" is this key
          },
          {
            Sid: "AccountDelegatesUseToIam",
            Effect: "Allow",
            Principal: { AWS: accountRoot },
            Action: KEY_USE,
            Resource: "*",
          },
        ],
      }),
    });
    this.keyArn = this.resource.arn;
    this.grants = new ImportedKey(this.keyArn);
    if (props.alias) {
      new KmsAlias(this, "Alias", { name: `alias/${props.alias}`, targetKeyId: this.resource.keyId });
    }
  }

  grant(grantee: IGrantable, actions: string[], conditions?: Conditions): void {
    this.grants.grant(grantee, actions, conditions);
  }
  grantDecrypt(grantee: IGrantable, conditions?: Conditions): void {
    this.grants.grantDecrypt(grantee, conditions);
  }
  grantEncrypt(grantee: IGrantable, conditions?: Conditions): void {
    this.grants.grantEncrypt(grantee, conditions);
  }
  grantEncryptDecrypt(grantee: IGrantable, conditions?: Conditions): void {
    this.grants.grantEncryptDecrypt(grantee, conditions);
  }
}
