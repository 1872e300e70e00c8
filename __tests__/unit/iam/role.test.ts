import { TerraformVariable } from "cdktf";
import { DataStream, Duration, Role, Trust, User } from "../../../modules";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";

describe("Role", () => {
  it("takes the session length as a Duration, 1–12 hours", () => {
    const { stack } = newStack();
    new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com"), maxSessionDuration: Duration.hours(12) });
    expect(onlyResource(synth(stack), "aws_iam_role").max_session_duration).toBe(43200);
    expect(() => new Role(newStack().stack, "Role", { assumedBy: Trust.service("x"), maxSessionDuration: Duration.minutes(30) })).toThrow(
      "test/Role: maxSessionDuration must be a whole number from 3600 to 43200 seconds; got 1800 (30 minutes)",
    );
  });

  it("refuses a role name IAM would refuse, naming the rule; a user name likewise", () => {
    expect(() => new Role(newStack().stack, "Role", { assumedBy: Trust.service("x"), roleName: "bad name" })).toThrow(
      'test/Role: roleName must be 1–64 characters of letters, digits and +=,.@_- (IAM name rules); got "bad name"',
    );
    expect(() => new User(newStack().stack, "User", { userName: "u".repeat(65) })).toThrow("test/User: userName must be 1–64 characters");
    expect(() => new Role(newStack().stack, "Ok", { assumedBy: Trust.service("x"), roleName: "partner+writer=1,a.b@c_d-e" })).not.toThrow();
  });

  it("creates its inline policy only with the first grant", () => {
    const { stack } = newStack();
    const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    expect(role.policyResource).toBeUndefined();
    expect(resourcesOf(synth(stack), "aws_iam_role_policy")).toEqual({});
    new DataStream(stack, "Stream", { streamName: "s", alarms: false }).grantWrite(role);
    expect(onlyResource(synth(stack), "aws_iam_role_policy")).toMatchObject({ name: "least-privilege", role: `\${aws_iam_role.${Object.keys(synth(stack).resource.aws_iam_role)[0]}.id}` });
  });
});

describe("Role.fromRoleArn", () => {
  const ARN = "arn:aws:iam::111122223333:role/service-role/partner-writer";

  it("parses the name (after any path) and creates nothing until a grant", () => {
    const { stack } = newStack();
    const role = Role.fromRoleArn(stack, "Imported", ARN);
    expect([role.roleArn, role.roleName]).toEqual([ARN, "partner-writer"]);
    expect(synth(stack).resource).toBeUndefined();
  });

  it("puts grants in an inline policy of the existing role, named after the importing construct", () => {
    const { stack } = newStack();
    const role = Role.fromRoleArn(stack, "Imported", ARN);
    new DataStream(stack, "Stream", { streamName: "s", alarms: false }).grantWrite(role);
    const json = synth(stack);
    const policy = onlyResource(json, "aws_iam_role_policy");
    expect(policy.role).toBe("partner-writer");
    expect(policy.name).toMatch(/^test-Imported-[0-9a-f]{8}$/);
    expect(policyOf(policy).Statement).toEqual([{ Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords"], Resource: expect.stringMatching(/^\$\{aws_kinesis_stream\./) }]);
    expect(resourcesOf(json, "aws_iam_role")).toEqual({});
  });

  it("takes a reference, naming the role by the ARN's last segment in Terraform", () => {
    const { stack } = newStack();
    const arn = new TerraformVariable(stack, "role_arn", { type: "string" }).stringValue;
    const role = Role.fromRoleArn(stack, "Imported", arn);
    new DataStream(stack, "Stream", { streamName: "s", alarms: false }).grantRead(role);
    expect(onlyResource(synth(stack), "aws_iam_role_policy").role).toBe('${element(reverse(split("/", var.role_arn)), 0)}');
  });

  it("refuses grants to a role imported with mutable: false, naming the role and the statement", () => {
    const { stack } = newStack();
    const role = Role.fromRoleArn(stack, "Imported", ARN, { mutable: false });
    const stream = DataStream.fromStreamArn(stack, "Stream", { streamArn: "arn:aws:kinesis:eu-west-1:111122223333:stream/s" });
    expect(() => stream.grantWrite(role)).toThrow(
      `test/Imported: cannot grant kinesis:PutRecord, kinesis:PutRecords on arn:aws:kinesis:eu-west-1:111122223333:stream/s: role ${ARN} was imported with mutable: false (its permissions are managed elsewhere)`,
    );
    expect(synth(stack).resource).toBeUndefined();
  });

  it("names a created resource and a referenced role by their Terraform expressions when refusing a grant", () => {
    const { stack } = newStack();
    const arn = new TerraformVariable(stack, "role_arn", { type: "string" }).stringValue;
    const role = Role.fromRoleArn(stack, "Imported", arn, { mutable: false });
    const stream = new DataStream(stack, "Stream", { streamName: "s", alarms: false });
    expect(() => stream.grantWrite(role)).toThrow(
      /^test\/Imported: cannot grant kinesis:PutRecord, kinesis:PutRecords on \$\{aws_kinesis_stream\.Stream_[0-9A-F]{8}\.arn\}: role \$\{var\.role_arn\} was imported with mutable: false/,
    );
  });

  it.each(["arn:aws:iam::111122223333:user/partner", "partner-writer", "arn:aws:iam::1:role/x", "arn:aws:sts::111122223333:assumed-role/r/s"])(
    "rejects %p at synth, naming the value",
    (arn) => {
      expect(() => Role.fromRoleArn(newStack().stack, "Imported", arn)).toThrow(
        `test/Imported: roleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>); got ${JSON.stringify(arn)}`,
      );
    },
  );
});
