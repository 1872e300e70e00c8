/**
 * Checks recorded AWS calls (see aws-call-recorder.ts) against the IAM policies actually deployed,
 * with a real IAM policy evaluator (@cloud-copilot/iam-simulate), because moto only checks actions
 * against "*" and would let a grant on the wrong resource pass.
 *
 * Evaluation model (same account unless the ARNs say otherwise):
 * - identity policies (inline + attached managed) and, if the role has one, its permissions boundary;
 * - an optional resource policy per resource ARN (`opts.resourcePolicies`); an S3 object falls back
 *   to the policy given for its bucket ARN;
 * - a KMS key with no key policy given is evaluated under AWS's default key policy (the account root
 *   may use the key, i.e. the key delegates to IAM), which is what this project deploys. Without a
 *   key policy KMS would deny everything, identity policies notwithstanding;
 * - request context: aws:PrincipalArn, aws:PrincipalAccount, aws:RequestedRegion and
 *   aws:SecureTransport=true (the deployed code talks to AWS over TLS; only the test talks HTTP).
 *   Conditions on other keys (kms:ViaService, kms:EncryptionContext:..., aws:SourceVpce, ...) see
 *   the key as absent;
 * - no SCPs or RCPs.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListRolePolicies,
  paginateListUserPolicies,
} from "@aws-sdk/client-iam";
import { getDenialReasons, getGrantReasons, runSimulation, type RequestAnalysis, type RunSimulationResults, type Simulation } from "@cloud-copilot/iam-simulate";

import type { RecordedCall } from "./aws-call-recorder";

export interface NamedPolicy {
  name: string;
  policy: object;
}

export interface PrincipalPolicies {
  principalArn: string;
  identityPolicies: NamedPolicy[];
  /** The role's permissions boundary, if it has one: it caps what the identity policies grant. */
  permissionsBoundary?: NamedPolicy;
}

export interface Verdict {
  call: RecordedCall;
  resource: string;
  allowed: boolean;
  explanation: string;
}

// ---------------------------------------------------------------------------------------------
// Reading policies back from the emulator

/** IAM returns policy documents URL-encoded (RFC 3986); moto may return them raw. */
function parsePolicyDocument(doc: string | undefined, what: string): object {
  if (!doc) throw new Error(`${what}: no policy document`);
  const text = doc.trimStart().startsWith("{") ? doc : decodeURIComponent(doc);
  return JSON.parse(text) as object;
}

async function managedPolicy(iam: IAMClient, policyArn: string): Promise<NamedPolicy> {
  const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }));
  const versionId = Policy?.DefaultVersionId;
  if (!versionId) throw new Error(`${policyArn}: no default version`);
  const { PolicyVersion } = await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }));
  return { name: policyArn, policy: parsePolicyDocument(PolicyVersion?.Document, `${policyArn} ${versionId}`) };
}

/**
 * A principal's inline policies (named by policy name) and attached managed policies (named by
 * ARN, default version), from the SDK's paginators over its list calls.
 */
async function identityPolicies(
  iam: IAMClient,
  owner: string,
  inline: { names: AsyncIterable<{ PolicyNames?: string[] }>; get: (policyName: string) => Promise<string | undefined> },
  attached: AsyncIterable<{ AttachedPolicies?: Array<{ PolicyArn?: string }> }>,
): Promise<NamedPolicy[]> {
  const policies: NamedPolicy[] = [];
  for await (const page of inline.names) {
    for (const name of page.PolicyNames ?? []) policies.push({ name, policy: parsePolicyDocument(await inline.get(name), `${owner}/${name}`) });
  }
  for await (const page of attached) {
    for (const { PolicyArn } of page.AttachedPolicies ?? []) if (PolicyArn) policies.push(await managedPolicy(iam, PolicyArn));
  }
  return policies;
}

/**
 * Reads a role's inline (ListRolePolicies/GetRolePolicy) and attached managed
 * (ListAttachedRolePolicies/GetPolicy/GetPolicyVersion, default version) policies, and its
 * permissions boundary if any. Inline policies are named by their policy name, managed ones by ARN.
 */
export async function readRolePolicies(iam: IAMClient, roleName: string): Promise<PrincipalPolicies> {
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
  if (!Role?.Arn) throw new Error(`role ${roleName} not found`);
  const policies = await identityPolicies(
    iam,
    roleName,
    {
      names: paginateListRolePolicies({ client: iam }, { RoleName: roleName }),
      get: async (PolicyName) => (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }))).PolicyDocument,
    },
    paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName }),
  );
  const boundaryArn = Role.PermissionsBoundary?.PermissionsBoundaryArn;
  return {
    principalArn: Role.Arn,
    identityPolicies: policies,
    ...(boundaryArn ? { permissionsBoundary: await managedPolicy(iam, boundaryArn) } : {}),
  };
}

/** Reads a user's inline and attached managed policies, named as readRolePolicies names them. */
export async function readUserPolicies(iam: IAMClient, userName: string): Promise<PrincipalPolicies> {
  const { User } = await iam.send(new GetUserCommand({ UserName: userName }));
  if (!User?.Arn) throw new Error(`user ${userName} not found`);
  const policies = await identityPolicies(
    iam,
    userName,
    {
      names: paginateListUserPolicies({ client: iam }, { UserName: userName }),
      get: async (PolicyName) => (await iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName }))).PolicyDocument,
    },
    paginateListAttachedUserPolicies({ client: iam }, { UserName: userName }),
  );
  return { principalArn: User.Arn, identityPolicies: policies };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function accountOf(arn: string): string | undefined {
  const parts = arn.split(":");
  return parts.length >= 6 && parts[0] === "arn" && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}

/** AWS's default key policy: the account (root) may use the key, so IAM policies decide. */
function defaultKeyPolicy(account: string): object {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }],
  };
}

function resourcePolicyFor(resource: string, given: Record<string, object> | undefined, principalAccount: string): object | undefined {
  const exact = given?.[resource];
  if (exact) return exact;
  const s3Object = /^(arn:aws[a-z-]*:s3:::[^/]+)\/.+$/.exec(resource);
  if (s3Object && given?.[s3Object[1]]) return given[s3Object[1]];
  if (/^arn:aws[a-z-]*:kms:[^:]*:[^:]*:key\//.test(resource)) return defaultKeyPolicy(accountOf(resource) ?? principalAccount);
  return undefined;
}

function statementRef(policy: string | undefined, statementId: string | undefined, statementIndex: number): string {
  return `${policy ? `${policy} ` : ""}statement ${statementId ? `"${statementId}"` : `#${statementIndex}`}`;
}

const POLICY_KIND: Record<string, string> = {
  identity: "identity",
  resource: "resource",
  pb: "permissions boundary",
  scp: "service control",
  rcp: "resource control",
  vpce: "VPC endpoint",
  "s3-bpa": "S3 Block Public Access",
};

function explainAnalysis(analysis: RequestAnalysis): string {
  if (analysis.result === "Allowed") {
    const grants = getGrantReasons(analysis).map((g) => {
      const policy = "policyIdentifier" in g ? g.policyIdentifier : undefined;
      return `${POLICY_KIND[g.policyType] ?? g.policyType} policy ${statementRef(policy, g.statementId, g.statementIndex)}`;
    });
    return grants.length ? `allowed by ${grants.join(", ")}` : "allowed";
  }
  const reasons = getDenialReasons(analysis);
  const explicit = reasons.flatMap((r) => (r.denialType === "Explicit" ? [r] : []));
  if (explicit.length) {
    return `explicitly denied by ${explicit
      .map((r) => `${POLICY_KIND[r.policyType] ?? r.policyType} policy ${statementRef(r.policyIdentifier, r.statementId, r.statementIndex)}`)
      .join(", ")}`;
  }
  const kinds = [...new Set(reasons.map((r) => POLICY_KIND[r.policyType] ?? r.policyType))];
  return `implicitly denied: no ${kinds.length ? kinds.join(" or ") : "identity"} policy statement allows it`;
}

function explainResult(result: RunSimulationResults): { allowed: boolean; explanation: string } {
  switch (result.resultType) {
    case "error":
      return { allowed: false, explanation: `simulation error: ${result.errors.message} ${JSON.stringify(result.errors)}` };
    case "single":
      return { allowed: result.overallResult === "Allowed", explanation: explainAnalysis(result.result.analysis) };
    case "wildcard": {
      const allowed = result.overallResult === "Allowed";
      const decisive = result.results.find((r) => (r.analysis.result === "Allowed") === allowed);
      if (decisive) return { allowed, explanation: explainAnalysis(decisive.analysis) };
      return { allowed, explanation: allowed ? "allowed" : "implicitly denied: no identity policy statement allows it" };
    }
  }
}

/**
 * Evaluates each call's action on each of its resources (a call with no resources is evaluated on
 * "*"). A call recorded as `unknown:...` or made by a principal with no registered policies is a
 * denial. `principals` is keyed by the principal label the calls carry (what was given to
 * `credentialsFor`); `resourcePolicies` is keyed by resource ARN (KMS key policy, secret policy,
 * queue policy, bucket policy, ...).
 */
export async function evaluateCalls(
  calls: RecordedCall[],
  principals: Record<string, PrincipalPolicies>,
  opts: { resourcePolicies?: Record<string, object> } = {},
): Promise<Verdict[]> {
  const cache = new Map<string, { allowed: boolean; explanation: string }>();
  const verdicts: Verdict[] = [];
  for (const call of calls) {
    for (const resource of call.resources.length ? call.resources : ["*"]) {
      verdicts.push({ call, resource, ...(await judge(call, resource)) });
    }
  }
  return verdicts;

  async function judge(call: RecordedCall, resource: string): Promise<{ allowed: boolean; explanation: string }> {
    if (call.action.startsWith("unknown:")) {
      return { allowed: false, explanation: `the recorder could not map the request to an IAM action (${call.action})` };
    }
    const who = Object.prototype.hasOwnProperty.call(principals, call.principal) ? principals[call.principal] : undefined;
    if (!who) return { allowed: false, explanation: `unknown principal "${call.principal}": no policies registered for it` };
    const key = JSON.stringify([call.principal, call.action, resource, call.region]);
    const cached = cache.get(key);
    if (cached) return cached;

    const principalAccount = accountOf(who.principalArn) ?? "123456789012";
    const resourcePolicy = resourcePolicyFor(resource, opts.resourcePolicies, principalAccount);
    const simulation: Simulation = {
      request: {
        principal: who.principalArn,
        action: call.action,
        resource: { resource, accountId: accountOf(resource) ?? principalAccount },
        contextVariables: {
          "aws:PrincipalArn": who.principalArn,
          "aws:PrincipalAccount": principalAccount,
          "aws:RequestedRegion": call.region,
          "aws:SecureTransport": "true",
        },
      },
      identityPolicies: who.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
      ...(who.permissionsBoundary ? { permissionBoundaryPolicies: [who.permissionsBoundary] } : {}),
    };
    let outcome: { allowed: boolean; explanation: string };
    try {
      outcome = explainResult(await runSimulation(simulation, {}));
    } catch (e) {
      outcome = { allowed: false, explanation: `simulation failed: ${(e as Error).message}` };
    }
    cache.set(key, outcome);
    return outcome;
  }
}

export function denied(verdicts: Verdict[]): Verdict[] {
  return verdicts.filter((v) => !v.allowed);
}

/**
 * One line per denied call: "<principal> may not <action> on <resource>: <reason>". Identical lines
 * (the same denied call made repeatedly) are printed once, with " (xN)" appended. Empty if nothing
 * was denied.
 */
export function formatDenials(verdicts: Verdict[]): string {
  const counts = new Map<string, number>();
  for (const v of denied(verdicts)) {
    const line = `${v.call.principal} may not ${v.call.action} on ${v.resource}: ${v.explanation}`;
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return [...counts].map(([line, n]) => (n > 1 ? `${line} (x${n})` : line)).join("\n");
}

// ---------------------------------------------------------------------------------------------
// KMS calls AWS makes with the caller's permissions

/**
 * kms actions a service performs *with the caller's permissions* when it uses a customer managed
 * key on the caller's behalf (an AWS managed key needs no grant, so those are not implied):
 */
const IMPLIED_KMS_ACTIONS: Record<string, string[]> = {
  // Secrets Manager decrypts the secret's data key with kms:Decrypt for GetSecretValue; changing the
  // value (PutSecretValue) needs kms:GenerateDataKey and kms:Decrypt.
  // https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-authz
  "secretsmanager:GetSecretValue": ["kms:Decrypt"],
  "secretsmanager:PutSecretValue": ["kms:GenerateDataKey", "kms:Decrypt"],
  // Kinesis Data Streams SSE: producers need kms:GenerateDataKey, consumers kms:Decrypt.
  // https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html
  "kinesis:PutRecord": ["kms:GenerateDataKey"],
  "kinesis:PutRecords": ["kms:GenerateDataKey"],
  "kinesis:GetRecords": ["kms:Decrypt"],
  // SQS SSE-KMS: producers need kms:GenerateDataKey and kms:Decrypt, consumers kms:Decrypt.
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
  "sqs:SendMessage": ["kms:GenerateDataKey", "kms:Decrypt"],
  "sqs:ReceiveMessage": ["kms:Decrypt"],
  // S3 SSE-KMS: an upload needs kms:GenerateDataKey on the bucket's key.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms
  "s3:PutObject": ["kms:GenerateDataKey"],
};

/**
 * The kms calls AWS makes with the caller's permissions to serve `call`, for resources encrypted
 * with a customer managed key: `keyOf(resourceArn)` returns that key's ARN, or undefined when the
 * resource is unencrypted or uses an AWS managed key. Only successful (2xx) calls imply KMS use.
 */
export function impliedKmsCalls(call: RecordedCall, keyOf: (resourceArn: string) => string | undefined): RecordedCall[] {
  const actions = IMPLIED_KMS_ACTIONS[call.action];
  if (!actions || call.status < 200 || call.status >= 300) return [];
  const keys = [...new Set(call.resources.map(keyOf).filter((k): k is string => !!k))];
  if (!keys.length) return [];
  return actions.map((action) => ({ principal: call.principal, service: "kms", action, resources: keys, region: call.region, status: call.status }));
}

/** `calls` with each followed by its implied KMS calls (see impliedKmsCalls). */
export function withImpliedKmsCalls(calls: RecordedCall[], keyOf: (resourceArn: string) => string | undefined): RecordedCall[] {
  return calls.flatMap((c) => [c, ...impliedKmsCalls(c, keyOf)]);
}
