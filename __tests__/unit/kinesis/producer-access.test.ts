import { DataStream, Duration, EncryptionKey, ProducerAccess, ProducerAccessMode, StreamEncryption } from "../../../modules";
import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { newStack, onlyResource, policyOf, resourcesOf, synth, testApp } from "../../helpers/synth";

const PARTNER = "444455556666";

function build(props: Partial<ConstructorParameters<typeof ProducerAccess>[2]> = {}, encryption?: StreamEncryption) {
  const { stack } = newStack();
  const stream = new DataStream(stack, "Stream", { streamName: "events", encryption, alarms: false, outputs: false });
  const access = new ProducerAccess(stack, "Partner", { stream, ...props });
  return { stack, stream, access, json: synth(stack) };
}
const streamRef = (json: any) => `\${aws_kinesis_stream.${Object.keys(json.resource.aws_kinesis_stream)[0]}.arn}`;
const keyRef = (json: any) => `\${aws_kms_key.${Object.keys(json.resource.aws_kms_key)[0]}.arn}`;

describe("ProducerAccess, ASSUME_ROLE mode (the default)", () => {
  const roleProps = { trustedAccountId: PARTNER, externalId: "partner-7f3a" };

  it("trusts only the partner's account, and only with the ExternalId", () => {
    const { json } = build(roleProps);
    const role = onlyResource(json, "aws_iam_role");
    expect(policyOf(role, "assume_role_policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: [`arn:aws:iam::${PARTNER}:root`] },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": "partner-7f3a" } },
        },
      ],
    });
    expect(role.name).toMatch(/^test-Partner-Role-[0-9a-f]{8}$/);
    expect(resourcesOf(json, "aws_iam_user")).toEqual({});
  });

  it("trusts the partner's account in the stack's partition", () => {
    const stack = new TerraformStack(testApp(), "cn");
    new AwsProvider(stack, "aws", { region: "cn-north-1" });
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false, outputs: false });
    new ProducerAccess(stack, "Partner", { stream, ...roleProps });
    const trust = policyOf(onlyResource(synth(stack), "aws_iam_role"), "assume_role_policy");
    expect(trust.Statement[0].Principal).toEqual({ AWS: [`arn:aws-cn:iam::${PARTNER}:root`] });
  });

  it("allows exactly PutRecord and PutRecords on the one stream", () => {
    const { json } = build(roleProps);
    expect(policyOf(onlyResource(json, "aws_iam_role_policy"))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords"], Resource: streamRef(json) }],
    });
  });

  it("adds kms:GenerateDataKey on the stream's customer key, and nothing else", () => {
    const { json } = build(roleProps, StreamEncryption.CUSTOMER_MANAGED);
    expect(policyOf(onlyResource(json, "aws_iam_role_policy"))).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords"], Resource: streamRef(json) },
        { Effect: "Allow", Action: "kms:GenerateDataKey", Resource: keyRef(json) },
      ],
    });
  });

  it("outputs the role ARN and the ExternalId under readable names", () => {
    const { json } = build(roleProps);
    expect(Object.keys(json.output!)).toEqual(["Partner_external_id", "Partner_role_arn"]);
    expect(json.output!.Partner_role_arn.value).toMatch(/^\$\{aws_iam_role\.Partner_Role_\w+\.arn\}$/);
    expect(json.output!.Partner_external_id.value).toBe("partner-7f3a");
  });

  it("sets the role name and session length when given", () => {
    const { json } = build({ ...roleProps, identityName: "partner-writer", maxSessionDuration: Duration.hours(2) });
    expect(onlyResource(json, "aws_iam_role")).toMatchObject({ name: "partner-writer", max_session_duration: 7200 });
  });

  it("emits no outputs when outputs is false", () => {
    expect(build({ ...roleProps, outputs: false }).json.output).toBeUndefined();
  });

  it.each([
    ["a missing trustedAccountId", { externalId: "abc" }, "test/Partner: trustedAccountId is required in ASSUME_ROLE mode"],
    ["a trustedAccountId that is not 12 digits", { trustedAccountId: "12345", externalId: "abc" }, 'trustedAccountId must be a 12-digit AWS account ID; got "12345"'],
    ["a missing externalId", { trustedAccountId: PARTNER }, "test/Partner: externalId is required in ASSUME_ROLE mode: 2–1224 characters"],
    ["a 1-character externalId", { trustedAccountId: PARTNER, externalId: "x" }, 'externalId must be 2–1224 characters of [\\w+=,.@:/-]; got "x"'],
    ["an empty externalId", { trustedAccountId: PARTNER, externalId: "" }, 'externalId must be 2–1224 characters of [\\w+=,.@:/-]; got ""'],
    ["an externalId with a space", { trustedAccountId: PARTNER, externalId: "has space" }, 'externalId must be 2–1224 characters of [\\w+=,.@:/-]; got "has space"'],
    ["a 1225-character externalId", { trustedAccountId: PARTNER, externalId: "x".repeat(1225) }, "externalId must be 2–1224 characters"],
    ["a session shorter than an hour", { ...roleProps, maxSessionDuration: Duration.minutes(1) }, "test/Partner: maxSessionDuration must be a whole number from 3600 to 43200 seconds; got 60 (1 minute)"],
    ["a PGP key in role mode", { ...roleProps, pgpKey: "keybase:partner" }, "pgpKey applies to ACCESS_KEY mode only; mode is ASSUME_ROLE"],
    ["an identityName with a space", { ...roleProps, identityName: "bad name" }, 'test/Partner: identityName must be 1–64 characters of letters, digits and +=,.@_- (IAM name rules); got "bad name"'],
    ["a 65-character identityName", { ...roleProps, identityName: "p".repeat(65) }, "test/Partner: identityName must be 1–64 characters of letters, digits and +=,.@_- (IAM name rules)"],
    ["an access-key user's identityName with a slash", { mode: ProducerAccessMode.ACCESS_KEY, pgpKey: "keybase:partner", identityName: "team/partner" }, 'test/Partner: identityName must be 1–64 characters of letters, digits and +=,.@_- (IAM name rules); got "team/partner"'],
  ])("rejects %s", (_label, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe("ProducerAccess, ACCESS_KEY mode", () => {
  it("creates a user under /external-producers/ with an access key and the same exact policy", () => {
    const { json } = build({ mode: ProducerAccessMode.ACCESS_KEY, pgpKey: "keybase:partner" });
    const user = onlyResource(json, "aws_iam_user");
    expect(user.path).toBe("/external-producers/");
    expect(onlyResource(json, "aws_iam_access_key").user).toMatch(/^\$\{aws_iam_user\.Partner_User_\w+\.name\}$/);
    expect(onlyResource(json, "aws_iam_access_key").pgp_key).toBe("keybase:partner");
    expect(policyOf(onlyResource(json, "aws_iam_user_policy"))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords"], Resource: streamRef(json) }],
    });
    expect(resourcesOf(json, "aws_iam_role")).toEqual({});
  });

  it("refuses an access key without a PGP key (its secret would be plaintext in state), naming the safer mode", () => {
    expect(() => build({ mode: ProducerAccessMode.ACCESS_KEY })).toThrow(
      "test/Partner: pgpKey is required in ACCESS_KEY mode (a base64 PGP public key or keybase:user), or the secret access key would sit in plaintext in Terraform state; prefer ASSUME_ROLE (trustedAccountId and externalId), which needs no long-lived key",
    );
  });

  it("encrypts the secret with the PGP key and outputs only the encrypted form", () => {
    const { json } = build({ mode: ProducerAccessMode.ACCESS_KEY, pgpKey: "keybase:partner" });
    expect(onlyResource(json, "aws_iam_access_key").pgp_key).toBe("keybase:partner");
    expect(json.output!.Partner_encrypted_secret_access_key.value).toMatch(/\.encrypted_secret\}$/);
    expect(json.output!.Partner_secret_access_key).toBeUndefined();
    expect(JSON.stringify(json)).not.toMatch(/\.secret\}/); // the plaintext attribute is referenced nowhere
    expect(json.output!.Partner_access_key_id.sensitive).toBeUndefined();
  });

  it("adds kms:GenerateDataKey for a customer key", () => {
    const { json } = build({ mode: ProducerAccessMode.ACCESS_KEY, pgpKey: "keybase:partner" }, StreamEncryption.CUSTOMER_MANAGED);
    expect(policyOf(onlyResource(json, "aws_iam_user_policy")).Statement[1]).toEqual({
      Effect: "Allow",
      Action: "kms:GenerateDataKey",
      Resource: keyRef(json),
    });
  });

  it("writes to a stream imported by ARN, with its customer key", () => {
    const { stack } = newStack();
    const stream = DataStream.fromStreamArn(stack, "Legacy", {
      streamArn: "arn:aws:kinesis:eu-west-1:111122223333:stream/legacy",
      encryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:111122223333:key/k"),
    });
    new ProducerAccess(stack, "Partner", { stream, mode: ProducerAccessMode.ACCESS_KEY, pgpKey: "keybase:partner" });
    expect(policyOf(onlyResource(synth(stack), "aws_iam_user_policy")).Statement).toEqual([
      { Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords"], Resource: "arn:aws:kinesis:eu-west-1:111122223333:stream/legacy" },
      { Effect: "Allow", Action: "kms:GenerateDataKey", Resource: "arn:aws:kms:eu-west-1:111122223333:key/k" },
    ]);
  });

  it("rejects role-mode settings, naming them", () => {
    expect(() => build({ mode: ProducerAccessMode.ACCESS_KEY, pgpKey: "keybase:partner", trustedAccountId: PARTNER, externalId: "abc" })).toThrow(
      "test/Partner: trustedAccountId, externalId apply to ASSUME_ROLE mode only; mode is ACCESS_KEY",
    );
  });
});
