import { Fn } from "cdktf";
import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { NodejsFunction } from "../lambda/nodejs-function";
import { EphemeralResource } from "../core/ephemeral-resource";
import { EncryptionKey, IEncryptionKey } from "../kms/encryption-key";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { ISecret, Secret } from "./secret";
import { Duration } from "../core/duration";
import { uniqueName } from "../core/naming";
import { AwsEnvironment } from "../core/aws-environment";
import { validateDuration, validatePattern, validateRange, ValidationError } from "../core/validation";
import { skipCheckov } from "../core/checkov";

export interface BasicAuthSecretProps {
  /** The user name stored in the secret, `[A-Za-z0-9._@-]{1,64}` (no colon). @default "ingest" */
  readonly username?: string;
  /** Length of the generated password, 24–128. @default 32 */
  readonly passwordLength?: number;
  /** Physical secret name. @default a deterministic name from the construct path */
  readonly secretName?: string;
  /** The KMS key encrypting the secret. @default a created customer-managed key (rotation on) */
  readonly encryptionKey?: IEncryptionKey;
  /** How long a deleted secret can be restored, 7–30 whole days. @default 30 days */
  readonly recoveryWindow?: Duration;
  /**
   * An existing secret holding `{"username","password"}` JSON, instead of creating one:
   * `Secret.fromSecretArn(arn, key?)`. @default none (a secret is created)
   */
  readonly existingSecret?: ISecret;
  /**
   * Rotate the password on a schedule, 1–1000 whole days, with a rotation function of ours
   * (lambda-src/secret-rotation). The old password stays valid as AWSPREVIOUS for the authorizer's
   * grace period (`IngestApi.previousCredentialsGracePeriod`), so partners switch when they like.
   * @default no scheduled rotation (rotate by writing a new version)
   */
  readonly rotateEvery?: Duration;
}

/**
 * A Secrets Manager secret holding Basic-auth credentials `{ "username", "password" }`: created
 * with a random password and a KMS key, or an existing one (`existingSecret`).
 *
 * The password never enters Terraform state or plan: Secrets Manager generates it in an
 * ephemeral `aws_secretsmanager_random_password` block, and it is written through the
 * write-only `secret_string_wo` argument (both need Terraform ≥ 1.11). Terraform writes it once,
 * for `secret_string_wo_version` 1; a later version comes from rotation or a new version number.
 */
export class BasicAuthSecret extends Construct implements ISecret {
  readonly secretArn: string;
  readonly encryptionKey?: IEncryptionKey;
  /** The user name, when the secret is created here. */
  readonly username?: string;
  /** The `aws_secretsmanager_secret`, when created here. */
  readonly secret?: SecretsmanagerSecret;
  /** The rotation function, when `rotateEvery` is set. */
  readonly rotationFunction?: NodejsFunction;
  /** The secret as an import: created or existing, reads are granted through it. */
  private readonly grants: ISecret;

  constructor(scope: Construct, id: string, props: BasicAuthSecretProps = {}) {
    super(scope, id);
    validatePattern(this, "username", props.username, /^[A-Za-z0-9._@-]{1,64}$/, "1–64 characters of [A-Za-z0-9._@-]");
    validateRange(this, "passwordLength", props.passwordLength, { min: 24, max: 128, unit: "characters" });
    const recoveryWindowDays = validateDuration(this, "recoveryWindow", props.recoveryWindow, "days", { min: 7, max: 30 });
    validatePattern(this, "secretName", props.secretName, /^[A-Za-z0-9/_+=.@-]{1,512}$/, "1–512 characters of [A-Za-z0-9/_+=.@-]");
    const rotationDays = validateDuration(this, "rotateEvery", props.rotateEvery, "days", { min: 1, max: 1000 });
    if (props.existingSecret) {
      const createOnly = (["username", "passwordLength", "secretName", "encryptionKey", "recoveryWindow", "rotateEvery"] as const).filter(
        (p) => props[p] !== undefined,
      );
      if (createOnly.length > 0) {
        throw new ValidationError(this, `${createOnly.join(", ")} cannot be combined with existingSecret (the secret is not created here)`);
      }
      this.grants = props.existingSecret;
    } else {
      this.username = props.username ?? "ingest";
      const key = props.encryptionKey ?? new EncryptionKey(this, "Key", { description: `Encrypts secret ${this.node.path}` });
      const password = new EphemeralResource(this, "Password", {
        type: "aws_secretsmanager_random_password",
        config: {
          password_length: props.passwordLength ?? 32,
          // Letters and digits only: no character needs escaping in a header, a shell or a URL.
          exclude_punctuation: true,
          include_space: false,
          require_each_included_type: true,
        },
      });
      this.secret = new SecretsmanagerSecret(this, "Resource", {
        name: props.secretName ?? uniqueName(this, 512, /[^A-Za-z0-9/_+=.@-]/g),
        description: "Basic-auth credentials of the ingest API",
        kmsKeyId: key.keyArn,
        recoveryWindowInDays: recoveryWindowDays ?? 30,
      });
      new SecretsmanagerSecretVersion(this, "Version", {
        secretId: this.secret.id,
        secretStringWo: Fn.jsonencode({ username: this.username, password: password.getStringAttribute("random_password") }),
        secretStringWoVersion: 1,
        // Rotation moves AWSCURRENT and AWSPREVIOUS off this first version: theirs, not Terraform's.
        lifecycle: { ignoreChanges: ["version_stages"] },
      });
      this.grants = Secret.fromSecretArn(this.secret.arn, key);
      if (rotationDays !== undefined) {
        this.rotationFunction = this.addRotation(key, rotationDays, props.passwordLength ?? 32);
      } else {
        skipCheckov(this.secret, "CKV2_AWS_57", "Rotation is off (rotateEvery): credentials shared with partners rotate by a new version on the operator's schedule; the authorizer accepts the previous one for its grace period");
      }
    }
    this.secretArn = this.grants.secretArn;
    this.encryptionKey = this.grants.encryptionKey;
  }

  /**
   * The rotation function and its schedule. Secrets Manager may invoke it only for this secret
   * (source ARN and account on the permission); its role may touch only this secret and key.
   */
  private addRotation(key: IEncryptionKey, days: number, passwordLength: number): NodejsFunction {
    const secret = this.secret!;
    const fn = new NodejsFunction(this, "Rotation", {
      entry: "secret-rotation",
      description: `Rotates the Basic-auth password of ${this.node.path}`,
      timeout: Duration.seconds(30),
      environment: { PASSWORD_LENGTH: String(passwordLength), POWERTOOLS_SERVICE_NAME: "secret-rotation" },
    });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
        resources: [secret.arn],
      }),
    );
    // GetRandomPassword acts on no resource: IAM offers nothing narrower than "*".
    fn.addToRolePolicy(new PolicyStatement({ actions: ["secretsmanager:GetRandomPassword"], resources: ["*"] }));
    key.grantEncryptDecrypt(fn);
    skipCheckov(fn.resource, "CKV_AWS_116", "Invoked synchronously by Secrets Manager, which retries a failed step and reports the rotation as failed: there are no asynchronous invocations to dead-letter");
    skipCheckov(fn.resource, "CKV_AWS_115", "Invoked only by Secrets Manager for one secret, a few times per rotation; reserving concurrency would only take capacity from the account pool");
    const permission = fn.allowInvokeFromService("SecretsManagerInvoke", "secretsmanager.amazonaws.com", secret.arn);
    permission.sourceAccount = AwsEnvironment.of(this).accountId;
    new SecretsmanagerSecretRotation(this, "Schedule", {
      secretId: secret.id,
      rotationLambdaArn: fn.functionArn,
      rotationRules: { automaticallyAfterDays: days },
      // The first rotation waits for the schedule: a deploy does not change partners' password.
      rotateImmediately: false,
      dependsOn: [permission],
    });
    return fn;
  }

  /** secretsmanager:GetSecretValue on this secret only, and kms:Decrypt on its customer key. */
  grantRead(grantee: IGrantable): void {
    this.grants.grantRead(grantee);
  }
}
