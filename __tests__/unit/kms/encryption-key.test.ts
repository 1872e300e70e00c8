import { Duration, EncryptionKey, Role, Trust } from "../../../modules";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";

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

describe("EncryptionKey", () => {
  it("rotates yearly and waits 30 days before deletion unless told", () => {
    const { stack } = newStack();
    new EncryptionKey(stack, "Default", { description: "d" });
    new EncryptionKey(stack, "Short", { description: "s", pendingWindow: Duration.days(7) });
    const keys = Object.values(resourcesOf(synth(stack), "aws_kms_key"));
    expect(keys.map((k) => [k.enable_key_rotation, k.deletion_window_in_days])).toEqual([[true, 30], [true, 7]]);
  });

  it.each([
    [Duration.days(6), "got 6 (6 days)"],
    [Duration.days(31), "got 31 (31 days)"],
    [Duration.hours(36), "got 1.5 (36 hours)"],
  ])("rejects a pending window of %s, naming it as written", (pendingWindow, got) => {
    expect(() => new EncryptionKey(newStack().stack, "Key", { description: "k", pendingWindow })).toThrow(
      `test/Key: pendingWindow must be a whole number from 7 to 30 days; ${got}`,
    );
  });
});

describe("EncryptionKey.fromKeyArn", () => {
  it("takes a key ARN, or a reference to one", () => {
    const { stack } = newStack();
    expect(EncryptionKey.fromKeyArn("arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd").keyArn).toBe("arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd");
    const created = new EncryptionKey(stack, "Other", { description: "o" });
    expect(EncryptionKey.fromKeyArn(created.keyArn).keyArn).toBe(created.keyArn);
  });

  it.each([
    "1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:eu-west-1:111122223333:alias/ingest",
    "arn:aws:kms:eu-west-1:1:key/k",
    "arn:aws:s3:::bucket",
  ])("rejects %p at synth, naming the value (a key id or alias ARN would grant nothing)", (keyArn) => {
    expect(() => EncryptionKey.fromKeyArn(keyArn)).toThrow(
      `EncryptionKey.fromKeyArn: keyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); got ${JSON.stringify(keyArn)}`,
    );
  });
});

describe("EncryptionKey key policy", () => {
  const keyPolicy = () => {
    const { stack } = newStack();
    new EncryptionKey(stack, "Key", { description: "test" });
    const json = synth(stack);
    return { policy: policyOf(onlyResource(json, "aws_kms_key")), json };
  };

  it("is written out (not AWS's default): the account administers the key and delegates its use to IAM, action by action", () => {
    const { policy, json } = keyPolicy();
    const account = Object.values(resourcesOf(json, "aws_kms_key"))[0].policy.match(/\$\{data\.aws_caller_identity\.[\w]+\.account_id\}/)?.[0];
    expect(account).toBeDefined();
    expect(policy.Statement.map((s: any) => [s.Sid, s.Principal])).toEqual([
      ["AccountAdministersTheKey", { AWS: `arn:aws:iam::${account}:root` }],
      ["AccountDelegatesUseToIam", { AWS: `arn:aws:iam::${account}:root` }],
    ]);
    const actions = policy.Statement.flatMap((s: any) => s.Action);
    expect(actions.filter((a: string) => a.includes("*"))).toEqual([]);
    // The account can always fix the policy and manage the key: it can never become unmanageable.
    expect(actions).toEqual(expect.arrayContaining(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:Decrypt", "kms:GenerateDataKey"]));
    expect(actions).not.toContain("kms:ImportKeyMaterial");
  });
});
