import { Construct } from "constructs";
import { IamAccessKey } from "@cdktf/provider-aws/lib/iam-access-key";
import { IGrantable } from "../iam/policy-statement";
import { IAM_NAME, IAM_NAME_RULE, Role, Trust } from "../iam/role";
import { User } from "../iam/user";
import { IDataStream } from "./data-stream";
import { AwsEnvironment } from "../core/aws-environment";
import { Duration } from "../core/duration";
import { addOutput } from "../core/outputs";
import { validateDuration, validateOneOf, validatePattern, ValidationError } from "../core/validation";
import { skipCheckov } from "../core/checkov";

/** How the external producer authenticates. */
export enum ProducerAccessMode {
  /**
   * Recommended. A role in our account that the partner's account assumes with an ExternalId:
   * no long-lived secret leaves our account, the partner uses its own (rotated, MFA-able)
   * identities, sessions expire, and CloudTrail names the partner's session. The ExternalId
   * stops a third party from tricking the partner into writing to us (confused deputy).
   */
  ASSUME_ROLE = "ASSUME_ROLE",
  /** An IAM user with an access key: for partners that cannot assume roles. The secret lands in state. */
  ACCESS_KEY = "ACCESS_KEY",
}

export interface ProducerAccessProps {
  /** The stream the partner writes to; the identity gets `grantWrite` on it and nothing else. */
  readonly stream: IDataStream;
  /** @default ProducerAccessMode.ASSUME_ROLE */
  readonly mode?: ProducerAccessMode;
  /** ASSUME_ROLE: the partner's 12-digit AWS account ID. Required in that mode. */
  readonly trustedAccountId?: string;
  /** ASSUME_ROLE: the ExternalId the partner must pass, 2–1224 of `[\w+=,.@:/-]`. Required in that mode. */
  readonly externalId?: string;
  /** ASSUME_ROLE: session length, 1–12 hours. @default 1 hour */
  readonly maxSessionDuration?: Duration;
  /**
   * ACCESS_KEY: a base64 PGP public key or `keybase:user`, required in that mode. The secret access
   * key is encrypted with it by the provider, so Terraform state and outputs hold only ciphertext.
   */
  readonly pgpKey?: string;
  /** Physical role or user name, 1–64 characters of `[\w+=,.@-]` (IAM's rule). @default a deterministic name from the construct path */
  readonly identityName?: string;
  /** Emit Terraform outputs (role ARN and ExternalId, or key id and sensitive secret). @default true */
  readonly outputs?: boolean;
}

/**
 * An identity an external producer uses to put records into one stream, and do nothing else:
 * exactly `kinesis:PutRecord` and `kinesis:PutRecords` on that stream, plus
 * `kms:GenerateDataKey` on its key when the key is customer-managed.
 */
export class ProducerAccess extends Construct implements IGrantable {
  readonly mode: ProducerAccessMode;
  /** The role (ASSUME_ROLE mode). */
  readonly role?: Role;
  /** The user and its key (ACCESS_KEY mode). */
  readonly user?: User;
  readonly accessKey?: IamAccessKey;
  readonly grantPrincipal: IGrantable["grantPrincipal"];

  constructor(scope: Construct, id: string, props: ProducerAccessProps) {
    super(scope, id);
    this.mode = props.mode ?? ProducerAccessMode.ASSUME_ROLE;
    validateOneOf(this, "mode", this.mode, Object.values(ProducerAccessMode));
    validatePattern(this, "identityName", props.identityName, IAM_NAME, IAM_NAME_RULE);
    const roleOnly = { trustedAccountId: props.trustedAccountId, externalId: props.externalId, maxSessionDuration: props.maxSessionDuration };
    if (this.mode === ProducerAccessMode.ASSUME_ROLE) {
      if (props.pgpKey !== undefined) {
        throw new ValidationError(this, "pgpKey applies to ACCESS_KEY mode only; mode is ASSUME_ROLE");
      }
      if (props.trustedAccountId === undefined) {
        throw new ValidationError(this, "trustedAccountId is required in ASSUME_ROLE mode (the partner's 12-digit account ID)");
      }
      validatePattern(this, "trustedAccountId", props.trustedAccountId, /^\d{12}$/, "a 12-digit AWS account ID");
      if (props.externalId === undefined) {
        throw new ValidationError(this, "externalId is required in ASSUME_ROLE mode: 2–1224 characters of [\\w+=,.@:/-]");
      }
      validatePattern(this, "externalId", props.externalId, /^[\w+=,.@:/-]{2,1224}$/, "2–1224 characters of [\\w+=,.@:/-]");
      validateDuration(this, "maxSessionDuration", props.maxSessionDuration, "seconds", { min: 3600, max: 43200 });
    } else {
      const set = Object.entries(roleOnly).filter(([, v]) => v !== undefined).map(([k]) => k);
      if (set.length > 0) {
        throw new ValidationError(this, `${set.join(", ")} apply to ASSUME_ROLE mode only; mode is ACCESS_KEY`);
      }
      if (props.pgpKey === undefined) {
        throw new ValidationError(
          this,
          "pgpKey is required in ACCESS_KEY mode (a base64 PGP public key or keybase:user), or the secret access key would sit in plaintext in Terraform state; prefer ASSUME_ROLE (trustedAccountId and externalId), which needs no long-lived key",
        );
      }
    }

    const outputs = props.outputs ?? true;
    if (this.mode === ProducerAccessMode.ASSUME_ROLE) {
      this.role = new Role(this, "Role", {
        roleName: props.identityName,
        description: `External producer: put records into one Kinesis stream (${this.node.path})`,
        assumedBy: Trust.account(props.trustedAccountId!, { StringEquals: { "sts:ExternalId": props.externalId! } }, AwsEnvironment.of(this).partition),
        maxSessionDuration: props.maxSessionDuration,
      });
      this.grantPrincipal = this.role.grantPrincipal;
      if (outputs) {
        addOutput(this, "RoleArnOutput", `${id}_role_arn`, {
          value: this.role.roleArn,
          description: "Role the partner assumes (with the ExternalId) to put records",
        });
        addOutput(this, "ExternalIdOutput", `${id}_external_id`, {
          value: props.externalId,
          description: "ExternalId the partner passes to sts:AssumeRole",
        });
      }
    } else {
      this.user = new User(this, "User", { userName: props.identityName, path: "/external-producers/" });
      this.accessKey = new IamAccessKey(this, "AccessKey", { user: this.user.userName, pgpKey: props.pgpKey });
      this.grantPrincipal = this.user.grantPrincipal;
      const why = "A machine identity for an external partner that cannot assume roles (ACCESS_KEY mode); SSO and groups are for people. ASSUME_ROLE is used when the partner's account is known";
      skipCheckov(this.user.resource, "CKV_AWS_273", why);
      if (outputs) {
        addOutput(this, "AccessKeyIdOutput", `${id}_access_key_id`, { value: this.accessKey.id, description: "Access key ID for the partner" });
        addOutput(this, "SecretOutput", `${id}_encrypted_secret_access_key`, {
          value: this.accessKey.encryptedSecret,
          description: "Secret access key, PGP-encrypted for the partner (base64)",
        });
      }
    }
    props.stream.grantWrite(this);
    // The user's inline policy exists once the grant is made.
    if (this.user?.policyResource) {
      skipCheckov(this.user.policyResource, "CKV_AWS_40", "The partner's machine user has exactly one inline policy (PutRecord/PutRecords on one stream); a group of one adds nothing");
    }
  }
}
