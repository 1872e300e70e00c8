import { IEncryptionKey } from "../kms/encryption-key";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { isUnresolved, validatePattern } from "../core/validation";

/** A Secrets Manager secret, created here (`BasicAuthSecret`) or existing (`Secret.fromSecretArn`). */
export interface ISecret {
  readonly secretArn: string;
  /** The customer-managed key encrypting the secret, when it has one. */
  readonly encryptionKey?: IEncryptionKey;
  /** `secretsmanager:GetSecretValue` on this secret only, and `kms:Decrypt` on its customer key. */
  grantRead(grantee: IGrantable): void;
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`, then `-<6 random characters>` in a full ARN. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
/** The suffix Secrets Manager appends to a secret's name in its full ARN (AWS CDK's test, too). */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

/**
 * A secret that exists already (`Secret.fromSecretArn`); also what a created secret
 * (`BasicAuthSecret`) grants through, so reads are granted one way.
 */
export class Secret implements ISecret {
  /**
   * A secret that exists already, by ARN (a literal, validated at synth, or a reference, taken as
   * full), with its customer-managed key if it has one (readers then get `kms:Decrypt` on it).
   * Nothing is created. A partial ARN (without the `-AbCdEf` suffix) is granted on as
   * `<arn>-??????`, as in AWS CDK, since IAM matches the full one. Also as in AWS CDK, a name that
   * itself ends in a hyphen and six letters or digits (`db-secret`) reads as full: give the full ARN.
   */
  static fromSecretArn(secretArn: string, encryptionKey?: IEncryptionKey): ISecret {
    validatePattern("Secret.fromSecretArn", "secretArn", secretArn, SECRET_ARN, "a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)");
    return new Secret(secretArn, encryptionKey);
  }

  /** The ARN statements name: the full ARN, or every full ARN a partial one can stand for. */
  private readonly arnForPolicies: string;

  private constructor(
    readonly secretArn: string,
    readonly encryptionKey?: IEncryptionKey,
  ) {
    const full = isUnresolved(secretArn) || RANDOM_SUFFIX.test(secretArn);
    this.arnForPolicies = full ? secretArn : `${secretArn}-??????`;
  }

  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [this.arnForPolicies] }),
    );
    this.encryptionKey?.grantDecrypt(grantee);
  }
}
