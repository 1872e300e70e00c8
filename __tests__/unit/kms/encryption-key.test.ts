import { EncryptionKey, Role, Trust } from "../../../modules";
import { newStack, onlyResource, policyOf, synth } from "../../helpers/synth";

describe("EncryptionKey grants", () => {
  const ARN = "arn:aws:kms:eu-west-1:123456789012:key/k";

  function grantedStatements(grant: (key: EncryptionKey | ReturnType<typeof EncryptionKey.fromKeyArn>, role: Role) => void, imported: boolean) {
    const { stack } = newStack();
    const key = imported ? EncryptionKey.fromKeyArn(ARN) : new EncryptionKey(stack, "Key", { description: "test" });
    const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    grant(key, role);
    return policyOf(onlyResource(synth(stack), "aws_iam_role_policy")).Statement;
  }

  it.each([
    ["grantDecrypt", ["kms:Decrypt"]],
    ["grantEncrypt", ["kms:GenerateDataKey"]],
    ["grantEncryptDecrypt", ["kms:Decrypt", "kms:GenerateDataKey"]],
  ] as const)("%s grants exactly %j on an imported key", (method, actions) => {
    const [statement] = grantedStatements((key, role) => key[method](role), true);
    expect(statement).toEqual({ Effect: "Allow", Action: actions.length === 1 ? actions[0] : actions, Resource: ARN });
  });

  it("grants on a created key name that key's ARN", () => {
    const [statement] = grantedStatements((key, role) => key.grantDecrypt(role), false);
    expect(statement.Resource).toMatch(/^\$\{aws_kms_key\.Key_[0-9A-F]{8}\.arn\}$/);
  });

  it("carries conditions, e.g. an encryption context", () => {
    const conditions = { StringEquals: { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b" } };
    const [statement] = grantedStatements((key, role) => key.grant(role, ["kms:Decrypt"], conditions), true);
    expect(statement.Condition).toEqual(conditions);
  });
});
