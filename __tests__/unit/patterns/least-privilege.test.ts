import { DataStream, Duration, EncryptionKey, FailureDestination, NodejsFunction, ProducerAccessMode, StreamEncryption, StreamingIngestPipeline, TableEncryption } from "../../../modules";
import { newStack, synth } from "../../helpers/synth";
import { synthApp } from "../../helpers/app";

/**
 * The IAM walk: every policy document in the synthesized stacks, read statement by statement.
 * The test holds the only exceptions there are, each with the reason AWS leaves no narrower choice.
 */

/** Actions AWS authorizes only on "*" (no resource-level permissions). */
const STAR_RESOURCE_ACTIONS: Record<string, string> = {
  "xray:PutTraceSegments": "X-Ray has no resource types",
  "xray:PutTelemetryRecords": "X-Ray has no resource types",
  "secretsmanager:GetRandomPassword": "acts on no secret (the rotation function's new password)",
};

/** Deny statements may name wildcard actions: denying more never grants anything. */
const DENY_WILDCARD_ACTIONS: Record<string, string> = {
  "s3:*": "TLS-only bucket policy: no request of any kind over plain HTTP",
};

/** Attributes that hold an IAM policy document, per resource type. */
const POLICY_ATTRIBUTES: Record<string, string[]> = {
  aws_iam_role: ["assume_role_policy"],
  aws_iam_role_policy: ["policy"],
  aws_iam_user_policy: ["policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_kms_key: ["policy"],
  aws_sqs_queue_policy: ["policy"],
  aws_secretsmanager_secret: ["policy"],
  aws_api_gateway_rest_api: ["policy"],
};

interface Found {
  where: string;
  statement: any;
}

function statementsOf(stacks: Record<string, any>): Found[] {
  const found: Found[] = [];
  for (const [stackName, json] of Object.entries(stacks)) {
    for (const [type, attrs] of Object.entries(POLICY_ATTRIBUTES)) {
      for (const [id, resource] of Object.entries<any>(json.resource?.[type] ?? {})) {
        for (const attr of attrs) {
          if (resource[attr] === undefined) continue;
          const doc = JSON.parse(resource[attr]);
          for (const statement of [doc.Statement].flat()) found.push({ where: `${stackName}: ${type}.${id}.${attr}`, statement });
        }
      }
    }
  }
  return found;
}

const list = (v: unknown): string[] => (v === undefined ? [] : [v as string | string[]].flat());

function stacksUnderTest(): Record<string, any> {
  const stacks: Record<string, any> = { ...synthApp({}, { environments: { dev: {}, prod: { stateBucket: "acme-state" } } }) };
  // Every optional statement: customer keys everywhere, role-mode partner, processor, backup, usage plan, rotation.
  const { stack } = newStack("maximal");
  const key = new EncryptionKey(stack, "Key", { description: "all" });
  const processor = new NodejsFunction(stack, "Processor", { entry: "stream-consumer", functionName: "processor" });
  new StreamingIngestPipeline(stack, "Pipe", {
    namePrefix: "max",
    stream: { encryption: StreamEncryption.CUSTOMER_MANAGED },
    table: { encryption: TableEncryption.CUSTOMER_MANAGED },
    consumer: { failureDestination: FailureDestination.SQS_QUEUE, failureQueueEncryptionKey: key, encryptionKey: key, enhancedFanOut: true },
    api: { usagePlan: { apiKeyNames: ["partner"] }, credentials: { rotateEvery: Duration.days(30) } },
    archives: [{ destination: { encryptionKey: key, s3Backup: {}, processor: { function: processor } } }],
    producer: { mode: ProducerAccessMode.ASSUME_ROLE, trustedAccountId: "444455556666", externalId: "ext-1" },
  });
  const { stack: userStack } = newStack("user-mode");
  const stream = new DataStream(userStack, "Stream", { streamName: "s", encryption: StreamEncryption.CUSTOMER_MANAGED });
  new StreamingIngestPipeline(userStack, "Pipe", { namePrefix: "usr", existingStream: stream, producer: { mode: ProducerAccessMode.ACCESS_KEY, pgpKey: "keybase:partner" } });
  stacks.maximal = synth(stack);
  stacks["user-mode"] = synth(userStack);
  return stacks;
}

describe("IAM walk over every synthesized policy document", () => {
  const found = statementsOf(stacksUnderTest());

  it("reads a meaningful number of statements (identity, trust and resource policies)", () => {
    expect(found.length).toBeGreaterThan(100);
    const kinds = new Set(found.map((f) => f.where.split(": ")[1].split(".")[0]));
    expect([...kinds].sort()).toEqual(["aws_iam_role", "aws_iam_role_policy", "aws_iam_user_policy", "aws_kms_key", "aws_s3_bucket_policy"]);
  });

  it("has no wildcard action in any Allow statement", () => {
    const offenders = found
      .filter((f) => f.statement.Effect === "Allow")
      .flatMap((f) => list(f.statement.Action).filter((a) => a.includes("*")).map((a) => `${f.where}: ${a}`));
    expect(offenders).toEqual([]);
  });

  it("uses wildcard actions in Deny statements only from the reviewed list", () => {
    const offenders = found
      .filter((f) => f.statement.Effect === "Deny")
      .flatMap((f) => list(f.statement.Action).filter((a) => a.includes("*") && !(a in DENY_WILDCARD_ACTIONS)).map((a) => `${f.where}: ${a}`));
    expect(offenders).toEqual([]);
  });

  it("allows a '*' resource only for actions AWS offers at no narrower scope", () => {
    // In a key policy "*" is the key itself (the only resource a key policy can name).
    const outsideKeyPolicies = found.filter((f) => !f.where.includes(": aws_kms_key."));
    const offenders = outsideKeyPolicies
      .filter((f) => f.statement.Effect === "Allow" && list(f.statement.Resource).includes("*"))
      .flatMap((f) => list(f.statement.Action).filter((a) => !(a in STAR_RESOURCE_ACTIONS)).map((a) => `${f.where}: ${a}`));
    expect(offenders).toEqual([]);
    // …and that list is in use, so it is not stale.
    const used = new Set(outsideKeyPolicies.filter((f) => list(f.statement.Resource).includes("*")).flatMap((f) => list(f.statement.Action)));
    expect([...used].sort()).toEqual(Object.keys(STAR_RESOURCE_ACTIONS).sort());
  });

  it("names actions and resources in every identity-policy statement", () => {
    for (const f of found.filter((x) => !x.where.includes("assume_role_policy"))) {
      expect({ where: f.where, actions: list(f.statement.Action).length > 0, resources: list(f.statement.Resource).length > 0 }).toEqual({
        where: f.where,
        actions: true,
        resources: true,
      });
    }
  });

  it("never allows a '*' principal, and guards AWS-service trust against the confused deputy where AWS supports it", () => {
    const allowStar = found.filter((f) => f.statement.Effect === "Allow" && (f.statement.Principal === "*" || list(f.statement.Principal?.AWS).includes("*")));
    expect(allowStar.map((f) => f.where)).toEqual([]);
    const cross = found.filter((f) => f.where.includes("assume_role_policy") && list(f.statement.Principal?.AWS).length > 0);
    for (const f of cross) expect(f.statement.Condition?.StringEquals?.["sts:ExternalId"]).toBeDefined();
    const services = found.filter((f) => f.where.includes("assume_role_policy") && list(f.statement.Principal?.Service).some((s) => s !== "lambda.amazonaws.com"));
    for (const f of services) expect({ where: f.where, condition: f.statement.Condition?.StringEquals?.["aws:SourceAccount"] }).toEqual({ where: f.where, condition: expect.any(String) });
  });
});

describe("Permissions in place before they are used", () => {
  const stacks = stacksUnderTest();

  /** `aws_x.Y` addresses a resource's arguments name (its depends_on and metadata aside). */
  const namesOf = (resource: any): Set<string> => {
    const { depends_on: _d, "//": _m, ...args } = resource;
    return new Set(JSON.stringify(args).match(/\baws_[a-z0-9_]+\.[A-Za-z0-9_-]+(?=\.)/g) ?? []);
  };

  it("every resource that names a role or user, or names a resource that does, depends on its policies", () => {
    const missing: string[] = [];
    let checked = 0;
    for (const [stackName, json] of Object.entries<any>(stacks)) {
      const resources = Object.entries<any>(json.resource).flatMap(([type, byId]) => Object.entries<any>(byId).map(([id, r]) => ({ address: `${type}.${id}`, type, r })));
      // Principal address -> its inline policies (a policy names its role by id or its user by name).
      const policiesOf = new Map<string, string[]>();
      for (const p of resources.filter((x) => x.type === "aws_iam_role_policy" || x.type === "aws_iam_user_policy")) {
        for (const principal of namesOf({ principal: p.r.role ?? p.r.user })) policiesOf.set(principal, [...(policiesOf.get(principal) ?? []), p.address]);
      }
      const users = resources.filter((x) => !x.type.startsWith("aws_iam_"));
      const direct = new Map(users.map((u) => [u.address, [...namesOf(u.r)].flatMap((n) => policiesOf.get(n) ?? [])]));
      for (const u of users) {
        const needed = new Set([...direct.get(u.address)!, ...[...namesOf(u.r)].flatMap((n) => direct.get(n) ?? [])]);
        checked += needed.size;
        for (const policy of needed) if (!(u.r.depends_on ?? []).includes(policy)) missing.push(`${stackName}: ${u.address} -> ${policy}`);
      }
    }
    expect(missing).toEqual([]);
    // Functions, mappings, delivery streams, API integrations and the API account all use roles.
    expect(checked).toBeGreaterThan(20);
  });
});
