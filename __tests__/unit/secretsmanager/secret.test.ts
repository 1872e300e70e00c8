import { TerraformVariable } from "cdktf";
import { EncryptionKey, Role, Secret, Trust } from "../../../modules";
import { newStack, onlyResource, policyOf, synth } from "../../helpers/synth";

describe("Secret.fromSecretArn", () => {
  const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:partner/creds-AbCdEf";

  function readerPolicy(secret: ReturnType<typeof Secret.fromSecretArn>, stack = newStack().stack) {
    secret.grantRead(new Role(stack, "Reader", { assumedBy: Trust.service("lambda.amazonaws.com") }));
    return policyOf(onlyResource(synth(stack), "aws_iam_role_policy")).Statement;
  }

  it("grants GetSecretValue on exactly that secret, and nothing on KMS for an AWS-managed key", () => {
    expect(readerPolicy(Secret.fromSecretArn(ARN))).toEqual([{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: ARN }]);
  });

  it("grants on any of the secret's full ARNs when given a partial ARN (no 6-character suffix), as AWS CDK does", () => {
    // IAM matches the full ARN, `...:secret:mysecret-AbCdEf`: a statement on the partial ARN never matches.
    const partial = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mysecret";
    expect(readerPolicy(Secret.fromSecretArn(partial))).toEqual([{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `${partial}-??????` }]);
    expect(Secret.fromSecretArn(partial).secretArn).toBe(partial);
  });

  it("adds kms:Decrypt on its customer key", () => {
    const key = EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:123456789012:key/k");
    expect(readerPolicy(Secret.fromSecretArn(ARN, key))[1]).toEqual({ Effect: "Allow", Action: "kms:Decrypt", Resource: key.keyArn });
  });

  it("takes a reference", () => {
    const { stack } = newStack();
    const arn = new TerraformVariable(stack, "secret_arn", { type: "string" }).stringValue;
    expect(readerPolicy(Secret.fromSecretArn(arn), stack)[0].Resource).toBe("${var.secret_arn}");
  });

  it.each(["arn:aws:s3:::bucket", "partner/creds", "arn:aws:secretsmanager:eu-west-1:123:secret:x"])("rejects %p at synth, naming the value", (arn) => {
    expect(() => Secret.fromSecretArn(arn)).toThrow(
      `Secret.fromSecretArn: secretArn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); got ${JSON.stringify(arn)}`,
    );
  });
});
