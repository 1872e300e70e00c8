import { IEncryptionKey } from "../kms/encryption-key";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { validatePattern } from "../core/validation";

/** A Secrets Manager secret, created here (`BasicAuthSecret`) or existing (`Secret.fromSecretArn`). */
export interface ISecret {
  readonly secretArn: string;
  /** The customer-managed key encrypting the secret, when it has one. */
  readonly encryptionKey?: IEncryptionKey;
  /** `secretsmanager:GetSecretValue` on this secret only, and `kms:Decrypt` on its customer key. */
  grantRead(grantee: IGrantable): void;
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>`. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

/**
 * A secret that exists already (`Secret.fromSecretArn`); also what a created secret
 * (`BasicAuthSecret`) grants through, so reads are granted one way.
 */
export class Secret implements ISecret {
  /**
   * A secret that exists already, by its full ARN (a literal, validated at synth, or a
   * reference), with its customer-managed key if it has one (readers then get `kms:Decrypt` on
   * it). Nothing is created.
   */
  static fromSecretArn(secretArn: string, encryptionKey?: IEncryptionKey): ISecret {
    validatePattern("Secret.fromSecretArn", "secretArn", secretArn, SECRET_ARN, "a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)");
    return new Secret(secretArn, encryptionKey);
  }

  private constructor(
    readonly secretArn: string,
    readonly encryptionKey?: IEncryptionKey,
  ) {}

  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [this.secretArn] }),
    );
    this.encryptionKey?.grantDecrypt(grantee);
  }
}
