import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";

import { MotoServer, startMoto } from "../../helpers/moto";
import { CallRecorder, credentialsFor, RecordedCall, startCallRecorder } from "./aws-call-recorder";
import { denied, evaluateCalls, formatDenials, impliedKmsCalls, PrincipalPolicies, readRolePolicies, readUserPolicies, withImpliedKmsCalls } from "./iam-check";

jest.setTimeout(60_000);

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
const STREAM = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/ingest`;
const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:dead-letters`;
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:basic-auth-AbCdEf`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/consumer`;

const trust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

function call(action: string, resources: string[], extra: Partial<RecordedCall> = {}): RecordedCall {
  return { principal: "role:consumer", service: action.split(":")[0], action, resources, region: REGION, status: 200, ...extra };
}

function policy(...Statement: object[]): object {
  return { Version: "2012-10-17", Statement };
}

function principal(...statements: object[]): Record<string, PrincipalPolicies> {
  return { "role:consumer": { principalArn: ROLE_ARN, identityPolicies: [{ name: "consumer-policy", policy: policy(...statements) }] } };
}

let moto: MotoServer;
let iam: IAMClient;

beforeAll(async () => {
  moto = await startMoto();
  iam = new IAMClient(moto.clientConfig);
});
afterAll(async () => moto?.stop());

describe("readRolePolicies", () => {
  const inline = policy({
    Sid: "WriteEvents",
    Effect: "Allow",
    Action: ["dynamodb:PutItem", "dynamodb:BatchWriteItem"],
    Resource: table("events"),
    // Characters that URL encoding of the returned document would mangle if not decoded.
    Condition: { StringLike: { "aws:PrincipalTag/team": "a+b %20 & ü" } },
  });
  const managed = policy({ Sid: "ReadStream", Effect: "Allow", Action: ["kinesis:GetRecords", "kinesis:GetShardIterator"], Resource: STREAM });
  const boundary = policy({ Effect: "Allow", Action: ["dynamodb:*", "kinesis:*"], Resource: "*" });
  let managedArn: string;
  let boundaryArn: string;

  beforeAll(async () => {
    await iam.send(new CreateRoleCommand({ RoleName: "reader", Path: "/service/", AssumeRolePolicyDocument: trust }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "reader", PolicyName: "write-events", PolicyDocument: JSON.stringify(inline) }));
    managedArn = (await iam.send(new CreatePolicyCommand({ PolicyName: "read-stream", PolicyDocument: JSON.stringify(managed) }))).Policy!.Arn!;
    await iam.send(new AttachRolePolicyCommand({ RoleName: "reader", PolicyArn: managedArn }));
    boundaryArn = (await iam.send(new CreatePolicyCommand({ PolicyName: "boundary", PolicyDocument: JSON.stringify(boundary) }))).Policy!.Arn!;
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: "reader", PermissionsBoundary: boundaryArn }));
  });

  it("reads the role's ARN, inline policies by name, attached managed policies by ARN, and its permissions boundary", async () => {
    expect(await readRolePolicies(iam, "reader")).toEqual({
      principalArn: `arn:aws:iam::${ACCOUNT}:role/service/reader`,
      identityPolicies: [
        { name: "write-events", policy: inline },
        { name: managedArn, policy: managed },
      ],
      permissionsBoundary: { name: boundaryArn, policy: boundary },
    });
  });

  it("reads a role without policies as one with none", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: "bare", AssumeRolePolicyDocument: trust }));
    expect(await readRolePolicies(iam, "bare")).toEqual({ principalArn: `arn:aws:iam::${ACCOUNT}:role/bare`, identityPolicies: [] });
  });

  it("fails for a role that does not exist", async () => {
    await expect(readRolePolicies(iam, "nobody")).rejects.toThrow();
  });
});

describe("readUserPolicies", () => {
  it("reads the user's ARN, inline policies by name and attached managed policies by ARN", async () => {
    const inline = policy({ Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords"], Resource: STREAM });
    const managed = policy({ Effect: "Allow", Action: "kinesis:DescribeStreamSummary", Resource: STREAM });
    await iam.send(new CreateUserCommand({ UserName: "partner", Path: "/partners/" }));
    await iam.send(new PutUserPolicyCommand({ UserName: "partner", PolicyName: "put", PolicyDocument: JSON.stringify(inline) }));
    const managedArn = (await iam.send(new CreatePolicyCommand({ PolicyName: "describe", PolicyDocument: JSON.stringify(managed) }))).Policy!.Arn!;
    await iam.send(new AttachUserPolicyCommand({ UserName: "partner", PolicyArn: managedArn }));
    expect(await readUserPolicies(iam, "partner")).toEqual({
      principalArn: `arn:aws:iam::${ACCOUNT}:user/partners/partner`,
      identityPolicies: [
        { name: "put", policy: inline },
        { name: managedArn, policy: managed },
      ],
    });
  });

  it("fails for a user that does not exist", async () => {
    await expect(readUserPolicies(iam, "nobody")).rejects.toThrow();
  });
});

describe("a grant on the wrong table, which moto lets through", () => {
  let recorder: CallRecorder;

  beforeAll(async () => {
    recorder = await startCallRecorder(moto.endpoint);
    const admin = new DynamoDBClient(moto.clientConfig);
    for (const TableName of ["events", "other"]) {
      await admin.send(
        new CreateTableCommand({
          TableName,
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
    }
    await iam.send(new CreateRoleCommand({ RoleName: "writer", AssumeRolePolicyDocument: trust }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "writer",
        PolicyName: "write-events",
        PolicyDocument: JSON.stringify(policy({ Effect: "Allow", Action: "dynamodb:PutItem", Resource: table("events") })),
      }),
    );
  });
  afterAll(async () => recorder?.close());

  it("is allowed on the granted table and denied on the other, though moto accepted both writes", async () => {
    const ddb = new DynamoDBClient({ endpoint: recorder.endpoint, region: REGION, credentials: credentialsFor("role:writer") });
    await ddb.send(new PutItemCommand({ TableName: "events", Item: { pk: { S: "1" } } }));
    await ddb.send(new PutItemCommand({ TableName: "other", Item: { pk: { S: "1" } } }));
    expect(recorder.calls().map((c) => c.status)).toEqual([200, 200]);

    const verdicts = await evaluateCalls(recorder.calls(), { "role:writer": await readRolePolicies(iam, "writer") });
    expect(verdicts.map((v) => [v.resource, v.allowed])).toEqual([
      [table("events"), true],
      [table("other"), false],
    ]);
    expect(formatDenials(verdicts)).toBe(
      `role:writer may not dynamodb:PutItem on ${table("other")}: implicitly denied: no identity policy statement allows it`,
    );
  });
});

describe("evaluateCalls", () => {
  const writeEvents = { Sid: "WriteEvents", Effect: "Allow", Action: "dynamodb:BatchWriteItem", Resource: table("events") };

  it("allows an action granted on the exact ARN, saying which statement granted it", async () => {
    const [v] = await evaluateCalls([call("dynamodb:BatchWriteItem", [table("events")])], principal(writeEvents));
    expect(v).toMatchObject({ resource: table("events"), allowed: true });
    expect(v.explanation).toBe('allowed by identity policy consumer-policy statement "WriteEvents"');
  });

  it("gives one verdict per resource, so a batch touching an ungranted table is denied on that table only", async () => {
    const verdicts = await evaluateCalls([call("dynamodb:BatchWriteItem", [table("events"), table("audit")])], principal(writeEvents));
    expect(verdicts.map((v) => [v.resource, v.allowed])).toEqual([
      [table("events"), true],
      [table("audit"), false],
    ]);
  });

  it("denies an action that is not granted, even on a granted resource", async () => {
    const [v] = await evaluateCalls([call("dynamodb:DeleteItem", [table("events")])], principal(writeEvents));
    expect(v.allowed).toBe(false);
    expect(v.explanation).toMatch(/^implicitly denied/);
  });

  it("respects an explicit Deny over an Allow, naming the denying statement", async () => {
    const [v] = await evaluateCalls(
      [call("dynamodb:BatchWriteItem", [table("events")])],
      principal({ Effect: "Allow", Action: "dynamodb:*", Resource: "*" }, { Sid: "NoWrites", Effect: "Deny", Action: "dynamodb:BatchWrite*", Resource: "*" }),
    );
    expect(v.allowed).toBe(false);
    expect(v.explanation).toBe('explicitly denied by identity policy consumer-policy statement "NoWrites"');
  });

  it("matches wildcards in granted actions and resources, and on actions without a resource type", async () => {
    const verdicts = await evaluateCalls(
      [
        call("dynamodb:BatchWriteItem", [table("events-2026")]),
        call("dynamodb:BatchWriteItem", [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/events`]),
        call("cloudwatch:PutMetricData", ["*"]),
        call("kinesis:ListStreams", ["*"]),
      ],
      principal(
        { Effect: "Allow", Action: "dynamodb:Batch*", Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/events*` },
        { Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*" },
      ),
    );
    expect(verdicts.map((v) => v.allowed)).toEqual([true, false, true, false]);
  });

  it("matches a secret's full ARN against a grant on its name with the -?????? suffix pattern", async () => {
    const verdicts = await evaluateCalls(
      [call("secretsmanager:GetSecretValue", [SECRET]), call("secretsmanager:GetSecretValue", [SECRET.replace("basic-auth", "basic-auth-old")])],
      principal({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:basic-auth-??????` }),
    );
    expect(verdicts.map((v) => v.allowed)).toEqual([true, false]);
  });

  it("denies calls of a principal with no registered policies, and requests the recorder could not map", async () => {
    const verdicts = await evaluateCalls(
      [call("dynamodb:BatchWriteItem", [table("events")], { principal: "role:stranger" }), call("unknown:dynamodb:ExecuteStatement", ["*"])],
      principal({ Effect: "Allow", Action: "*", Resource: "*" }),
    );
    expect(verdicts.map((v) => v.allowed)).toEqual([false, false]);
    expect(verdicts[0].explanation).toMatch(/unknown principal "role:stranger"/);
    expect(verdicts[1].explanation).toMatch(/could not map/);
  });

  it("denies, rather than skips, an action the evaluator does not know or a resource of the wrong type", async () => {
    const verdicts = await evaluateCalls(
      [call("dynamodb:PutItems", [table("events")]), call("dynamodb:PutItem", [QUEUE])],
      principal({ Effect: "Allow", Action: "*", Resource: "*" }),
    );
    expect(verdicts.map((v) => v.allowed)).toEqual([false, false]);
    expect(verdicts.every((v) => v.explanation.startsWith("simulation error"))).toBe(true);
  });

  it("lets a same-account resource policy grant what the identity policies do not", async () => {
    const calls = [call("sqs:SendMessage", [QUEUE])];
    const queuePolicy = policy({ Effect: "Allow", Principal: { AWS: ROLE_ARN }, Action: "sqs:SendMessage", Resource: QUEUE });
    expect((await evaluateCalls(calls, principal()))[0].allowed).toBe(false);
    expect((await evaluateCalls(calls, principal(), { resourcePolicies: { [QUEUE]: queuePolicy } }))[0].allowed).toBe(true);
  });

  it("lets a resource policy's explicit Deny override an identity grant", async () => {
    const calls = [call("secretsmanager:GetSecretValue", [SECRET])];
    const secretPolicy = policy({ Sid: "OnlyTheAuthorizer", Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*" });
    const [v] = await evaluateCalls(calls, principal({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: SECRET }), {
      resourcePolicies: { [SECRET]: secretPolicy },
    });
    expect(v.allowed).toBe(false);
    expect(v.explanation).toBe('explicitly denied by resource policy statement "OnlyTheAuthorizer"');
  });

  it("applies a bucket policy to the objects in the bucket", async () => {
    const calls = [call("s3:GetObject", ["arn:aws:s3:::landing/in/a.json"])];
    const bucketPolicy = policy({ Sid: "NoReads", Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::landing/*" });
    const grant = principal({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::landing/*" });
    expect((await evaluateCalls(calls, grant))[0].allowed).toBe(true);
    expect((await evaluateCalls(calls, grant, { resourcePolicies: { "arn:aws:s3:::landing": bucketPolicy } }))[0].allowed).toBe(false);
  });

  it("evaluates a KMS key under the default key policy unless given one, and then only trusts IAM if that policy does", async () => {
    const calls = [call("kms:Decrypt", [KEY])];
    const grant = principal({ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY });
    expect((await evaluateCalls(calls, grant))[0].allowed).toBe(true);
    expect((await evaluateCalls(calls, principal()))[0].allowed).toBe(false);
    const adminOnly = policy({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` }, Action: "kms:*", Resource: "*" });
    expect((await evaluateCalls(calls, grant, { resourcePolicies: { [KEY]: adminOnly } }))[0].allowed).toBe(false);
  });

  it("caps identity grants by the permissions boundary", async () => {
    const calls = [call("dynamodb:BatchWriteItem", [table("events")])];
    const withBoundary = (boundary: object): Record<string, PrincipalPolicies> => ({
      "role:consumer": { ...principal(writeEvents)["role:consumer"], permissionsBoundary: { name: "boundary", policy: boundary } },
    });
    expect((await evaluateCalls(calls, withBoundary(policy({ Effect: "Allow", Action: "dynamodb:*", Resource: "*" }))))[0].allowed).toBe(true);
    expect((await evaluateCalls(calls, withBoundary(policy({ Effect: "Allow", Action: "kinesis:*", Resource: "*" }))))[0].allowed).toBe(false);
  });
});

describe("denied and formatDenials", () => {
  it("lists only denials, one line each as '<principal> may not <action> on <resource>: <reason>', repeats collapsed", async () => {
    const verdicts = await evaluateCalls(
      [
        call("dynamodb:BatchWriteItem", [table("events")]),
        call("dynamodb:BatchWriteItem", [table("audit")]),
        call("dynamodb:BatchWriteItem", [table("audit")]),
        call("kinesis:GetRecords", [STREAM], { principal: "role:stranger" }),
      ],
      principal({ Effect: "Allow", Action: "dynamodb:BatchWriteItem", Resource: table("events") }),
    );
    expect(denied(verdicts).map((v) => v.resource)).toEqual([table("audit"), table("audit"), STREAM]);
    expect(formatDenials(verdicts)).toBe(
      [
        `role:consumer may not dynamodb:BatchWriteItem on ${table("audit")}: implicitly denied: no identity policy statement allows it (x2)`,
        `role:stranger may not kinesis:GetRecords on ${STREAM}: unknown principal "role:stranger": no policies registered for it`,
      ].join("\n"),
    );
  });

  it("is empty when everything is allowed", async () => {
    const verdicts = await evaluateCalls([call("dynamodb:BatchWriteItem", [table("events")])], principal({ Effect: "Allow", Action: "*", Resource: "*" }));
    expect(denied(verdicts)).toEqual([]);
    expect(formatDenials(verdicts)).toBe("");
  });
});

describe("impliedKmsCalls", () => {
  const keyOf = (arn: string) => (arn === SECRET || arn === STREAM || arn === QUEUE ? KEY : undefined);
  const implied = (c: RecordedCall) => impliedKmsCalls(c, keyOf).map((k) => [k.action, k.resources]);

  it("adds kms:Decrypt for reading a secret under a customer managed key", () => {
    expect(implied(call("secretsmanager:GetSecretValue", [SECRET]))).toEqual([["kms:Decrypt", [KEY]]]);
  });

  it("adds kms:GenerateDataKey for writing to, and kms:Decrypt for reading from, an encrypted stream", () => {
    expect(implied(call("kinesis:PutRecord", [STREAM]))).toEqual([["kms:GenerateDataKey", [KEY]]]);
    expect(implied(call("kinesis:PutRecords", [STREAM]))).toEqual([["kms:GenerateDataKey", [KEY]]]);
    expect(implied(call("kinesis:GetRecords", [STREAM]))).toEqual([["kms:Decrypt", [KEY]]]);
  });

  it("adds kms:GenerateDataKey and kms:Decrypt for sending to an encrypted queue", () => {
    expect(implied(call("sqs:SendMessage", [QUEUE]))).toEqual([
      ["kms:GenerateDataKey", [KEY]],
      ["kms:Decrypt", [KEY]],
    ]);
  });

  it("adds nothing for AWS managed keys, actions that use no key, or calls that failed", () => {
    expect(implied(call("secretsmanager:GetSecretValue", [SECRET.replace("basic-auth", "plain")]))).toEqual([]);
    expect(implied(call("kinesis:DescribeStreamSummary", [STREAM]))).toEqual([]);
    expect(implied(call("kinesis:PutRecord", [STREAM], { status: 400 }))).toEqual([]);
  });

  it("keeps the caller and region, so the implied call is checked against the caller's policies", async () => {
    const calls = withImpliedKmsCalls([call("secretsmanager:GetSecretValue", [SECRET])], keyOf);
    expect(calls.map((c) => [c.principal, c.service, c.action, c.region])).toEqual([
      ["role:consumer", "secretsmanager", "secretsmanager:GetSecretValue", REGION],
      ["role:consumer", "kms", "kms:Decrypt", REGION],
    ]);
    const verdicts = await evaluateCalls(calls, principal({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: SECRET }));
    expect(formatDenials(verdicts)).toBe(`role:consumer may not kms:Decrypt on ${KEY}: implicitly denied: no identity policy statement allows it`);
  });
});
