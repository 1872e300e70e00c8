/**
 * A loopback HTTP proxy in front of moto that records every AWS API call passing through it as the
 * IAM action and resource ARN(s) IAM would authorize, attributed to the principal that made it.
 *
 * Why HTTP: the deployed Lambda handlers are bundled with their own copy of the AWS SDK, so the only
 * place every call can be seen is on the wire. Each principal's SDK is given credentials from
 * `credentialsFor(principal)`; the access key id names the principal, and the proxy reads it back
 * from the SigV4 credential scope (`Credential=<AKID>/<date>/<region>/<service>/aws4_request`, in the
 * `Authorization` header or, for presigned URLs, the `X-Amz-Credential` query parameter).
 *
 * Forwarding: the request line, headers and body go to moto byte for byte (moto does not verify
 * signatures), the response is streamed back with its raw headers. `Expect: 100-continue` is
 * answered by this proxy (Node's server does it) and the header is forwarded; chunked and
 * `aws-chunked` bodies are streamed through unchanged. A call is in `calls()` before the last byte
 * of its response reaches the client, so code that awaited an SDK call can read it straight away.
 *
 * Mapping rules worth knowing (see `describeCall`):
 * - The action is the IAM action, with the IAM service prefix (SigV4 signing name "monitoring" is
 *   recorded as "cloudwatch"); operations that IAM authorizes as another action are translated
 *   (SendMessageBatch -> sqs:SendMessage, HeadObject -> s3:GetObject, ListObjectsV2 ->
 *   s3:ListBucket, HeadBucket -> s3:ListBucket, DeleteObjects -> s3:DeleteObject per key,
 *   TransactWriteItems -> dynamodb:PutItem/UpdateItem/DeleteItem/ConditionCheckItem per table, ...).
 * - Secrets Manager: a SecretId given as a name is resolved to the secret's full ARN (with its
 *   random 6-character suffix), first from the response's `ARN` field, else by asking moto
 *   DescribeSecret directly (unrecorded). Only when the secret does not exist is the name-based
 *   pattern `arn:aws:secretsmanager:<region>:<account>:secret:<name>-??????` recorded. We resolve
 *   rather than always record the pattern because the pattern only matches policies written with
 *   wildcards: a policy granting the exact secret ARN (what Terraform writes) would not match it.
 * - KMS: a KeyId given as an alias (or omitted, as in Decrypt) is resolved to the key ARN from the
 *   response `KeyId`/`KeyMetadata.Arn`, else with a direct DescribeKey against moto.
 * - Kinesis GetRecords and ListShards pages carry only an opaque iterator/token; the stream is
 *   remembered from the GetShardIterator / GetRecords / ListShards response that handed it out.
 * - Requests that cannot be mapped are recorded with action `unknown:<service>:<detail>` and
 *   resource "*", so an IAM check fails loudly instead of silently passing.
 * - S3 ARNs carry no region or account; everything else uses the signing region and the account
 *   given to `startCallRecorder` (moto's default 123456789012), except SQS queue URLs, which name
 *   their account.
 * - moto's own management API (`/moto-api/...`) is forwarded but not recorded.
 */
import * as http from "http";
import * as net from "net";
import * as zlib from "zlib";

export interface RecordedCall {
  principal: string;
  /** IAM service prefix, e.g. "cloudwatch" (not the SigV4 signing name "monitoring"). */
  service: string;
  /** e.g. "dynamodb:BatchWriteItem"; `unknown:<service>:<detail>` when the request could not be mapped. */
  action: string;
  /** ARNs IAM authorizes the action on; ["*"] for actions without a resource type. */
  resources: string[];
  region: string;
  /** HTTP status moto answered with (502 if moto could not be reached). */
  status: number;
}

export interface CallRecorder {
  /** Point SDK clients here (`endpoint` client option or AWS_ENDPOINT_URL). */
  endpoint: string;
  calls(): RecordedCall[];
  callsOf(principal: string): RecordedCall[];
  /** Forgets recorded calls (not the iterator/token memory, so paging across a reset still maps). */
  reset(): void;
  /**
   * Fails the AWS JSON API calls `rule` picks, without forwarding them to moto (nor recording
   * them): "access-denied" answers AccessDeniedException as IAM would for a missing grant,
   * "throttling" ProvisionedThroughputExceededException, "connection-reset" drops the connection.
   * `undefined` (or a rule answering undefined) stops.
   */
  inject(rule: ((call: DeniableCall) => Fault | undefined) | undefined): void;
  close(): Promise<void>;
}

export type Fault = "access-denied" | "throttling" | "connection-reset";

/** What a fault rule sees of a request: who signed it and its X-Amz-Target (e.g. "DynamoDB_20120810.PutItem"). */
export interface DeniableCall {
  principal: string;
  target: string;
}

/** moto's default account id. */
const MOTO_ACCOUNT_ID = "123456789012";
/** Request and response bodies are kept for parsing up to this size; larger ones are still forwarded. */
const CAPTURE_LIMIT = 32 * 1024 * 1024;
const PRINCIPAL_SAFE = /[^A-Za-z0-9._~:@+-]/g;

/**
 * Credentials to give a principal's SDK so its calls are attributed to `principal`. The access key
 * id is the principal, percent-encoding any character that could not appear in a SigV4 credential
 * scope (such as "/", "," or spaces), so any label round-trips.
 */
export function credentialsFor(principal: string): { accessKeyId: string; secretAccessKey: string } {
  if (!principal) throw new Error("credentialsFor: principal must not be empty");
  const accessKeyId = principal.replace(PRINCIPAL_SAFE, (c) =>
    Array.from(Buffer.from(c, "utf8"), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
  );
  return { accessKeyId, secretAccessKey: "call-recorder-does-not-check-signatures" };
}

/** SigV4 signing names whose IAM service prefix differs. */
const IAM_PREFIX_BY_SIGNING_NAME: Record<string, string> = {
  monitoring: "cloudwatch",
  email: "ses",
};

interface Scope {
  principal: string;
  region: string;
  /** SigV4 signing name. */
  signingName: string;
}

function decodePrincipal(akid: string): string {
  try {
    return decodeURIComponent(akid);
  } catch {
    return akid;
  }
}

function parseScope(headers: http.IncomingHttpHeaders, query: URLSearchParams): Scope | undefined {
  const auth = headerValue(headers, "authorization");
  const m = auth && /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/.exec(auth);
  if (m) return { principal: decodePrincipal(m[1]), region: m[3], signingName: m[4] };
  const cred = query.get("X-Amz-Credential");
  const parts = cred?.split("/");
  if (parts && parts.length === 5) return { principal: decodePrincipal(parts[0]), region: parts[2], signingName: parts[3] };
  return undefined;
}

function headerValue(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** What a request is authorized as: one action on some resources (a request may need several). */
export interface AuthorizedAction {
  action: string;
  resources: string[];
}

interface Exchange {
  method: string;
  /** Request path, percent-encoded as sent, without the query. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Decoded request body (content-encoding removed), undefined if too large to keep. */
  body: Buffer | undefined;
  status: number;
  responseBody: Buffer | undefined;
}

interface MapContext {
  scope: Scope;
  accountId: string;
  /** Remembers which stream an opaque Kinesis/DynamoDB Streams iterator or page token belongs to. */
  tokens: Map<string, string>;
  /** Asks moto directly (unrecorded) an AWS JSON API question; undefined on any failure. */
  askMoto(signingName: string, target: string, body: object): Promise<Record<string, unknown> | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Body helpers

function decodeBody(raw: Buffer, headers: http.IncomingHttpHeaders): Buffer {
  let body = raw;
  const encodings = (headerValue(headers, "content-encoding") ?? "")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  // Content-Encoding lists codings in the order they were applied, so undo them from the last.
  for (const enc of encodings.reverse()) {
    if (enc === "gzip" || enc === "x-gzip") body = zlib.gunzipSync(body);
    else if (enc === "deflate") body = zlib.inflateSync(body);
    else if (enc === "br") body = zlib.brotliDecompressSync(body);
    else if (enc === "aws-chunked") body = decodeAwsChunked(body);
  }
  return body;
}

/** Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=..]\r\n<data>\r\n ... 0\r\n<trailers>\r\n\r\n`). */
function decodeAwsChunked(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const eol = buf.indexOf("\r\n", pos);
    if (eol < 0) break;
    const size = parseInt(buf.subarray(pos, eol).toString("latin1").split(";")[0], 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(buf.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function jsonOf(buf: Buffer | undefined): Record<string, any> | undefined {
  if (!buf || buf.length === 0) return undefined;
  try {
    const v = JSON.parse(buf.toString("utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** AWS query protocol parameters: form body (POST) merged over the URL query (GET). */
function queryParams(ex: Exchange): URLSearchParams {
  const params = new URLSearchParams(ex.query);
  const ct = headerValue(ex.headers, "content-type") ?? "";
  if (ex.body && ex.body.length > 0 && ct.includes("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(ex.body.toString("utf8"))) params.set(k, v);
  }
  return params;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function unknownAction(scope: Scope, detail: string): AuthorizedAction[] {
  return [{ action: `unknown:${scope.signingName}:${detail}`, resources: ["*"] }];
}

function dedupe(resources: Array<string | undefined>): string[] {
  return [...new Set(resources.filter((r): r is string => !!r))];
}

/** Operation name and parameters of an AWS JSON protocol request (X-Amz-Target "Prefix.Operation"). */
function jsonTarget(ex: Exchange): { prefix: string; op: string; input: Record<string, any> } | undefined {
  const target = headerValue(ex.headers, "x-amz-target");
  if (!target) return undefined;
  const dot = target.lastIndexOf(".");
  return { prefix: target.slice(0, dot), op: target.slice(dot + 1), input: jsonOf(ex.body) ?? {} };
}

/** Operation of a Smithy RPC v2 CBOR request (path `/service/<Service>/operation/<Operation>`). */
function rpcV2Operation(ex: Exchange): string | undefined {
  return /\/service\/[^/]+\/operation\/([^/?]+)$/.exec(ex.path)?.[1];
}

// ---------------------------------------------------------------------------------------------
// Per-service mapping

function arn(ctx: MapContext, service: string, resource: string, region = ctx.scope.region, account = ctx.accountId): string {
  return `arn:aws:${service}:${region}:${account}:${resource}`;
}

async function mapKinesis(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const t = jsonTarget(ex);
  if (!t) return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
  const { op, input } = t;
  const res = jsonOf(ex.responseBody) ?? {};
  const streamArn =
    str(input.StreamARN) ?? (str(input.StreamName) ? arn(ctx, "kinesis", `stream/${input.StreamName}`) : undefined);
  const action = `kinesis:${op}`;
  const remember = (token: unknown, resource: string | undefined) => {
    if (typeof token === "string" && resource) rememberToken(ctx.tokens, token, resource);
  };
  switch (op) {
    case "ListStreams":
    case "DescribeLimits":
    case "DescribeAccountSettings":
    case "UpdateAccountSettings":
      return [{ action, resources: ["*"] }];
    case "SubscribeToShard":
    case "DescribeStreamConsumer":
    case "DeregisterStreamConsumer": {
      // Resource type "consumer": arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<name>:<creation timestamp>
      const consumer =
        str(input.ConsumerARN) ??
        str(res.ConsumerDescription?.ConsumerARN) ??
        (streamArn && str(input.ConsumerName) ? `${streamArn}/consumer/${input.ConsumerName}:*` : undefined);
      return consumer ? [{ action, resources: [consumer] }] : unknownAction(ctx.scope, `${op} without a consumer`);
    }
    case "GetShardIterator":
      remember(res.ShardIterator, streamArn);
      return streamArn ? [{ action, resources: [streamArn] }] : unknownAction(ctx.scope, `${op} without a stream`);
    case "GetRecords": {
      const stream = streamArn ?? ctx.tokens.get(String(input.ShardIterator));
      remember(res.NextShardIterator, stream);
      return stream ? [{ action, resources: [stream] }] : unknownAction(ctx.scope, `${op} with a shard iterator of an unknown stream`);
    }
    case "ListShards": {
      const stream = streamArn ?? ctx.tokens.get(String(input.NextToken));
      remember(res.NextToken, stream);
      return stream ? [{ action, resources: [stream] }] : unknownAction(ctx.scope, `${op} with a token of an unknown stream`);
    }
    case "TagResource":
    case "UntagResource":
    case "ListTagsForResource":
    case "GetResourcePolicy":
    case "PutResourcePolicy":
    case "DeleteResourcePolicy": {
      const resource = str(input.ResourceARN) ?? streamArn;
      return resource ? [{ action, resources: [resource] }] : unknownAction(ctx.scope, `${op} without a resource`);
    }
    default:
      // PutRecord(s), DescribeStream(Summary), RegisterStreamConsumer, ListStreamConsumers, CreateStream,
      // DeleteStream, Add/RemoveTagsToStream, Start/StopStreamEncryption, ...: resource type "stream".
      return streamArn ? [{ action, resources: [streamArn] }] : unknownAction(ctx.scope, `${op} without a stream`);
  }
}

function rememberToken(tokens: Map<string, string>, token: string, resource: string): void {
  if (tokens.size > 100_000) tokens.clear();
  tokens.set(token, resource);
}

async function mapDynamoDb(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const t = jsonTarget(ex);
  if (!t) return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
  const { prefix, op, input } = t;
  const table = (name: unknown): string | undefined => {
    const n = str(name);
    if (!n) return undefined;
    return n.startsWith("arn:") ? n : arn(ctx, "dynamodb", `table/${n}`);
  };
  if (prefix.startsWith("DynamoDBStreams")) {
    const res = jsonOf(ex.responseBody) ?? {};
    const action = `dynamodb:${op}`;
    switch (op) {
      case "ListStreams":
        return [{ action, resources: ["*"] }];
      case "GetShardIterator":
        if (str(input.StreamArn) && typeof res.ShardIterator === "string") rememberToken(ctx.tokens, res.ShardIterator, input.StreamArn);
        break;
      case "GetRecords": {
        const stream = ctx.tokens.get(String(input.ShardIterator));
        if (stream && typeof res.NextShardIterator === "string") rememberToken(ctx.tokens, res.NextShardIterator, stream);
        return stream ? [{ action, resources: [stream] }] : unknownAction(ctx.scope, `${op} with a shard iterator of an unknown stream`);
      }
    }
    return str(input.StreamArn) ? [{ action, resources: [input.StreamArn] }] : unknownAction(ctx.scope, `${op} without a stream`);
  }
  switch (op) {
    case "BatchWriteItem":
    case "BatchGetItem": {
      const tables = dedupe(Object.keys(input.RequestItems ?? {}).map(table));
      return tables.length ? [{ action: `dynamodb:${op}`, resources: tables }] : unknownAction(ctx.scope, `${op} without tables`);
    }
    case "TransactWriteItems":
    case "TransactGetItems": {
      // There is no Transact* IAM action: each item is authorized as its single-item action.
      const byAction = new Map<string, string[]>();
      const kinds: Record<string, string> = { Put: "PutItem", Update: "UpdateItem", Delete: "DeleteItem", ConditionCheck: "ConditionCheckItem", Get: "GetItem" };
      for (const item of (input.TransactItems ?? []) as Array<Record<string, any>>) {
        for (const [kind, single] of Object.entries(kinds)) {
          const resource = table(item?.[kind]?.TableName);
          if (!resource) continue;
          const action = `dynamodb:${single}`;
          byAction.set(action, dedupe([...(byAction.get(action) ?? []), resource]));
        }
      }
      return byAction.size
        ? [...byAction].map(([action, resources]) => ({ action, resources }))
        : unknownAction(ctx.scope, `${op} without items`);
    }
    case "ListTables":
    case "DescribeLimits":
    case "DescribeEndpoints":
    case "ListBackups":
    case "ListGlobalTables":
    case "ListExports":
    case "ListImports":
    case "ListContributorInsights":
    case "DescribeReservedCapacity":
    case "DescribeReservedCapacityOfferings":
      return [{ action: `dynamodb:${op}`, resources: ["*"] }];
    case "ExecuteStatement":
    case "BatchExecuteStatement":
    case "ExecuteTransaction":
      return unknownAction(ctx.scope, `${op} (PartiQL is not mapped)`);
    case "Query":
    case "Scan": {
      const t0 = table(input.TableName);
      const resource = t0 && str(input.IndexName) ? `${t0}/index/${input.IndexName}` : t0;
      return resource ? [{ action: `dynamodb:${op}`, resources: [resource] }] : unknownAction(ctx.scope, `${op} without a table`);
    }
    default: {
      const resource = str(input.ResourceArn) ?? table(input.TableName);
      return resource ? [{ action: `dynamodb:${op}`, resources: [resource] }] : unknownAction(ctx.scope, `${op} without a table`);
    }
  }
}

/** arn:aws:sqs:<region>:<account>:<name> from a queue URL (`http(s)://host/<account>/<name>`). */
function queueArnFromUrl(ctx: MapContext, queueUrl: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(queueUrl).pathname;
  } catch {
    pathname = queueUrl;
  }
  const m = /^\/(\d{12})\/([^/]+)\/?$/.exec(pathname);
  return m ? arn(ctx, "sqs", decodeURIComponent(m[2]), ctx.scope.region, m[1]) : undefined;
}

const SQS_ACTION: Record<string, string> = {
  SendMessageBatch: "SendMessage",
  DeleteMessageBatch: "DeleteMessage",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
};

async function mapSqs(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  let op: string | undefined;
  let input: Record<string, any>;
  const t = jsonTarget(ex);
  if (t) {
    op = t.op;
    input = t.input;
  } else {
    const params = queryParams(ex);
    op = params.get("Action") ?? undefined;
    input = Object.fromEntries(params);
    // Query protocol may address the queue by the request path instead of a QueueUrl parameter.
    if (!input.QueueUrl && /^\/\d{12}\/[^/]+\/?$/.test(ex.path)) input.QueueUrl = ex.path;
  }
  if (!op) return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
  const action = `sqs:${SQS_ACTION[op] ?? op}`;
  switch (op) {
    case "ListQueues":
      return [{ action, resources: ["*"] }];
    case "CreateQueue":
      return str(input.QueueName) ? [{ action, resources: [arn(ctx, "sqs", input.QueueName)] }] : unknownAction(ctx.scope, op);
    case "GetQueueUrl": {
      const account = str(input.QueueOwnerAWSAccountId) ?? ctx.accountId;
      return str(input.QueueName)
        ? [{ action, resources: [arn(ctx, "sqs", input.QueueName, ctx.scope.region, account)] }]
        : unknownAction(ctx.scope, op);
    }
    case "StartMessageMoveTask":
    case "ListMessageMoveTasks":
      return str(input.SourceArn) ? [{ action, resources: [input.SourceArn] }] : unknownAction(ctx.scope, op);
    default: {
      const resource = str(input.QueueUrl) ? queueArnFromUrl(ctx, input.QueueUrl) : undefined;
      return resource ? [{ action, resources: [resource] }] : unknownAction(ctx.scope, `${op} without a queue URL`);
    }
  }
}

async function resolveSecretArn(ctx: MapContext, secretId: string, response: Record<string, any> | undefined): Promise<string> {
  if (secretId.startsWith("arn:")) return secretId;
  const fromResponse = str(response?.ARN);
  if (fromResponse && (response?.Name === undefined || response.Name === secretId)) return fromResponse;
  const described = await ctx.askMoto("secretsmanager", "secretsmanager.DescribeSecret", { SecretId: secretId });
  const fromMoto = str(described?.ARN);
  if (fromMoto) return fromMoto;
  // The secret does not exist: the name-based pattern (every secret ARN ends in "-" and 6 random characters).
  return arn(ctx, "secretsmanager", `secret:${secretId}-??????`);
}

async function mapSecretsManager(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const t = jsonTarget(ex);
  if (!t) return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
  const { op, input } = t;
  const res = jsonOf(ex.responseBody);
  const action = `secretsmanager:${op}`;
  switch (op) {
    case "ListSecrets":
    case "GetRandomPassword":
      return [{ action, resources: ["*"] }];
    case "BatchGetSecretValue": {
      // The batch action has no resource type; each returned (or named) secret also needs GetSecretValue.
      const ids: string[] = Array.isArray(input.SecretIdList) ? input.SecretIdList.filter((s: unknown) => typeof s === "string") : [];
      const returned: Array<string | undefined> = Array.isArray(res?.SecretValues) ? res!.SecretValues.map((v: any) => str(v?.ARN)) : [];
      const secrets = dedupe([...returned, ...(await Promise.all(ids.map((id) => resolveSecretArn(ctx, id, undefined))))]);
      return [
        { action, resources: ["*"] },
        ...(secrets.length ? [{ action: "secretsmanager:GetSecretValue", resources: secrets }] : []),
      ];
    }
    case "CreateSecret":
      return str(input.Name)
        ? [{ action, resources: [str(res?.ARN) ?? arn(ctx, "secretsmanager", `secret:${input.Name}-??????`)] }]
        : unknownAction(ctx.scope, `${op} without a name`);
    default:
      return str(input.SecretId)
        ? [{ action, resources: [await resolveSecretArn(ctx, input.SecretId, res)] }]
        : unknownAction(ctx.scope, `${op} without a SecretId`);
  }
}

function snsTopicOfSubscription(subscriptionArn: string): string | undefined {
  const parts = subscriptionArn.split(":");
  return parts.length === 7 ? parts.slice(0, 6).join(":") : undefined;
}

async function mapSns(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const t = jsonTarget(ex);
  const input: Record<string, any> = t ? t.input : Object.fromEntries(queryParams(ex));
  const op = t ? t.op : str(input.Action);
  if (!op) return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
  const action = `sns:${op === "PublishBatch" ? "Publish" : op}`;
  switch (op) {
    case "ListTopics":
    case "ListSubscriptions":
    case "ListPlatformApplications":
    case "ListPhoneNumbersOptedOut":
    case "CheckIfPhoneNumberIsOptedOut":
    case "GetSMSAttributes":
    case "SetSMSAttributes":
      return [{ action, resources: ["*"] }];
    case "CreateTopic":
      return str(input.Name) ? [{ action, resources: [arn(ctx, "sns", input.Name)] }] : unknownAction(ctx.scope, op);
    case "Publish":
      if (str(input.PhoneNumber)) return [{ action, resources: ["*"] }];
      break;
    case "Unsubscribe":
    case "GetSubscriptionAttributes":
    case "SetSubscriptionAttributes": {
      const topic = str(input.SubscriptionArn) ? snsTopicOfSubscription(input.SubscriptionArn) : undefined;
      return topic ? [{ action, resources: [topic] }] : unknownAction(ctx.scope, `${op} without a subscription`);
    }
  }
  const resource = str(input.TopicArn) ?? str(input.TargetArn) ?? str(input.ResourceArn);
  return resource ? [{ action, resources: [resource] }] : unknownAction(ctx.scope, `${op} without a topic`);
}

async function resolveKeyArn(ctx: MapContext, keyId: string | undefined, response: Record<string, any> | undefined): Promise<string | undefined> {
  if (keyId && /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:key\//.test(keyId)) return keyId;
  if (keyId && !keyId.startsWith("alias/") && !keyId.startsWith("arn:")) return arn(ctx, "kms", `key/${keyId}`);
  const fromResponse = str(response?.KeyMetadata?.Arn) ?? str(response?.KeyId);
  if (fromResponse?.startsWith("arn:")) return fromResponse;
  if (!keyId) return undefined;
  const described = await ctx.askMoto("kms", "TrentService.DescribeKey", { KeyId: keyId });
  return str((described?.KeyMetadata as Record<string, unknown> | undefined)?.Arn);
}

function aliasArn(ctx: MapContext, alias: string): string {
  return alias.startsWith("arn:") ? alias : arn(ctx, "kms", alias);
}

async function mapKms(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const t = jsonTarget(ex);
  if (!t) return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
  const { op, input } = t;
  const res = jsonOf(ex.responseBody);
  const action = `kms:${op}`;
  switch (op) {
    case "CreateKey":
    case "ListKeys":
    case "ListAliases":
    case "GenerateRandom":
    case "ListRetirableGrants":
    case "CreateCustomKeyStore":
    case "DescribeCustomKeyStores":
      if (op === "ListAliases" && str(input.KeyId)) break;
      return [{ action, resources: ["*"] }];
    case "CreateAlias":
    case "UpdateAlias": {
      // Needs the action on the alias and on the key it (will) point to.
      const key = await resolveKeyArn(ctx, str(input.TargetKeyId), undefined);
      return [{ action, resources: dedupe([str(input.AliasName) && aliasArn(ctx, input.AliasName), key]) }];
    }
    case "DeleteAlias": {
      const alias = str(input.AliasName);
      const key = alias ? await resolveKeyArn(ctx, alias, undefined) : undefined;
      return [{ action, resources: dedupe([alias && aliasArn(ctx, alias), key]) }];
    }
    case "ReEncrypt": {
      // Authorized as kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination key.
      const from = await resolveKeyArn(ctx, str(input.SourceKeyId), res ? { KeyId: res.SourceKeyId } : undefined);
      const to = await resolveKeyArn(ctx, str(input.DestinationKeyId), res);
      return [
        from ? { action: "kms:ReEncryptFrom", resources: [from] } : unknownAction(ctx.scope, "ReEncrypt from an unknown key")[0],
        to ? { action: "kms:ReEncryptTo", resources: [to] } : unknownAction(ctx.scope, "ReEncrypt to an unknown key")[0],
      ];
    }
  }
  const key = await resolveKeyArn(ctx, str(input.KeyId), res);
  return key ? [{ action, resources: [key] }] : unknownAction(ctx.scope, `${op} on an unknown key`);
}

async function mapCloudWatch(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const op = jsonTarget(ex)?.op ?? rpcV2Operation(ex) ?? queryParams(ex).get("Action") ?? undefined;
  if (!op) return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
  switch (op) {
    // No required resource type: IAM authorizes these on "*".
    case "PutMetricData":
    case "GetMetricData":
    case "GetMetricStatistics":
    case "ListMetrics":
    case "DescribeAlarms":
      return [{ action: `cloudwatch:${op}`, resources: ["*"] }];
    default:
      return unknownAction(ctx.scope, op);
  }
}

async function mapLogs(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const t = jsonTarget(ex);
  if (!t) return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
  const { op, input } = t;
  const action = `logs:${op}`;
  const group = str(input.logGroupName) ? arn(ctx, "logs", `log-group:${input.logGroupName}`) : undefined;
  switch (op) {
    case "DescribeLogGroups":
      return [{ action, resources: ["*"] }];
    // Resource type log-stream: arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:<stream>
    case "PutLogEvents":
    case "CreateLogStream":
    case "DeleteLogStream":
    case "GetLogEvents":
      return group && str(input.logStreamName)
        ? [{ action, resources: [`${group}:log-stream:${input.logStreamName}`] }]
        : unknownAction(ctx.scope, `${op} without a log stream`);
    // Resource type log-group: arn:aws:logs:<region>:<account>:log-group:<group>
    case "CreateLogGroup":
    case "DeleteLogGroup":
    case "DescribeLogStreams":
    case "PutRetentionPolicy":
    case "DeleteRetentionPolicy":
    case "FilterLogEvents":
      return group ? [{ action, resources: [group] }] : unknownAction(ctx.scope, `${op} without a log group`);
    default:
      return unknownAction(ctx.scope, op);
  }
}

async function mapSts(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const params = queryParams(ex);
  const op = jsonTarget(ex)?.op ?? params.get("Action") ?? undefined;
  if (op === "GetCallerIdentity") return [{ action: "sts:GetCallerIdentity", resources: ["*"] }];
  if (op === "AssumeRole" && params.get("RoleArn")) return [{ action: "sts:AssumeRole", resources: [params.get("RoleArn")!] }];
  return unknownAction(ctx.scope, op ?? `${ex.method} ${ex.path}`);
}

async function mapFirehose(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const t = jsonTarget(ex);
  if (!t) return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
  const { op, input } = t;
  if (op === "ListDeliveryStreams") return [{ action: `firehose:${op}`, resources: ["*"] }];
  return str(input.DeliveryStreamName)
    ? [{ action: `firehose:${op}`, resources: [arn(ctx, "firehose", `deliverystream/${input.DeliveryStreamName}`)] }]
    : unknownAction(ctx.scope, `${op} without a delivery stream`);
}

async function mapLambda(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const m = /^\/\d{4}-\d{2}-\d{2}\/functions\/([^/]+)\/invocations$/.exec(ex.path);
  if (ex.method === "POST" && m) {
    const fn = decodeURIComponent(m[1]);
    const resource = fn.startsWith("arn:") ? fn : arn(ctx, "lambda", `function:${fn}`);
    const qualifier = ex.query.get("Qualifier");
    return [{ action: "lambda:InvokeFunction", resources: [qualifier && !resource.endsWith(`:${qualifier}`) ? `${resource}:${qualifier}` : resource] }];
  }
  return unknownAction(ctx.scope, `${ex.method} ${ex.path}`);
}

// S3 -------------------------------------------------------------------------------------------

/** Bucket-level subresources and the IAM action for each HTTP method. */
const S3_BUCKET_SUBRESOURCES: Record<string, Partial<Record<string, string>>> = {
  policy: { GET: "GetBucketPolicy", PUT: "PutBucketPolicy", DELETE: "DeleteBucketPolicy" },
  acl: { GET: "GetBucketAcl", PUT: "PutBucketAcl" },
  tagging: { GET: "GetBucketTagging", PUT: "PutBucketTagging", DELETE: "PutBucketTagging" },
  versioning: { GET: "GetBucketVersioning", PUT: "PutBucketVersioning" },
  notification: { GET: "GetBucketNotification", PUT: "PutBucketNotification" },
  encryption: { GET: "GetEncryptionConfiguration", PUT: "PutEncryptionConfiguration", DELETE: "PutEncryptionConfiguration" },
  cors: { GET: "GetBucketCORS", PUT: "PutBucketCORS", DELETE: "PutBucketCORS" },
  lifecycle: { GET: "GetLifecycleConfiguration", PUT: "PutLifecycleConfiguration", DELETE: "PutLifecycleConfiguration" },
  publicAccessBlock: { GET: "GetBucketPublicAccessBlock", PUT: "PutBucketPublicAccessBlock", DELETE: "PutBucketPublicAccessBlock" },
  ownershipControls: { GET: "GetBucketOwnershipControls", PUT: "PutBucketOwnershipControls", DELETE: "PutBucketOwnershipControls" },
  logging: { GET: "GetBucketLogging", PUT: "PutBucketLogging" },
  website: { GET: "GetBucketWebsite", PUT: "PutBucketWebsite", DELETE: "DeleteBucketWebsite" },
  "object-lock": { GET: "GetBucketObjectLockConfiguration", PUT: "PutBucketObjectLockConfiguration" },
  replication: { GET: "GetReplicationConfiguration", PUT: "PutReplicationConfiguration", DELETE: "PutReplicationConfiguration" },
  accelerate: { GET: "GetAccelerateConfiguration", PUT: "PutAccelerateConfiguration" },
  requestPayment: { GET: "GetBucketRequestPayment", PUT: "PutBucketRequestPayment" },
  policyStatus: { GET: "GetBucketPolicyStatus" },
  location: { GET: "GetBucketLocation" },
  versions: { GET: "ListBucketVersions" },
  uploads: { GET: "ListBucketMultipartUploads" },
};

/** Object-level subresources and the IAM action for each HTTP method. */
const S3_OBJECT_SUBRESOURCES: Record<string, Partial<Record<string, string>>> = {
  tagging: { GET: "GetObjectTagging", PUT: "PutObjectTagging", DELETE: "DeleteObjectTagging" },
  acl: { GET: "GetObjectAcl", PUT: "PutObjectAcl" },
  retention: { GET: "GetObjectRetention", PUT: "PutObjectRetention" },
  "legal-hold": { GET: "GetObjectLegalHold", PUT: "PutObjectLegalHold" },
  attributes: { GET: "GetObjectAttributes" },
  torrent: { GET: "GetObjectTorrent" },
  restore: { POST: "RestoreObject" },
  select: { POST: "GetObject" },
  uploads: { POST: "PutObject" },
};

/** Actions that have a *Version variant when the request names a versionId. */
const S3_VERSIONED: Record<string, string> = {
  GetObject: "GetObjectVersion",
  DeleteObject: "DeleteObjectVersion",
  GetObjectTagging: "GetObjectVersionTagging",
  PutObjectTagging: "PutObjectVersionTagging",
  DeleteObjectTagging: "DeleteObjectVersionTagging",
  GetObjectAcl: "GetObjectVersionAcl",
  PutObjectAcl: "PutObjectVersionAcl",
  GetObjectAttributes: "GetObjectVersionAttributes",
};

/** The bucket named by the Host header for virtual-hosted-style requests, if any. */
function virtualHostBucket(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const host = hostHeader.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  if (net.isIP(host)) return undefined;
  const aws = /^(.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/.exec(host);
  if (aws) return aws[1];
  if (host.endsWith(".localhost")) return host.slice(0, -".localhost".length);
  const localstack = /^(.+)\.s3\.localhost\.localstack\.cloud$/.exec(host);
  return localstack?.[1];
}

function s3Object(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}

function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** XML text of every <Tag>…</Tag> inside each <Parent> element. */
function xmlChildren(xml: string, parent: string, tag: string): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  for (const m of xml.matchAll(new RegExp(`<${parent}>([\\s\\S]*?)</${parent}>`, "g"))) {
    const inner = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(m[1]);
    out.push(inner ? unescapeXml(inner[1]) : undefined);
  }
  return out;
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, "&");
}

async function mapS3(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const hostBucket = virtualHostBucket(headerValue(ex.headers, "host"));
  const segments = ex.path.replace(/^\//, "");
  let bucket: string | undefined;
  let rawKey: string;
  if (hostBucket) {
    bucket = hostBucket;
    rawKey = segments;
  } else {
    const slash = segments.indexOf("/");
    bucket = slash < 0 ? segments : segments.slice(0, slash);
    rawKey = slash < 0 ? "" : segments.slice(slash + 1);
  }
  bucket = bucket ? decodeKey(bucket) : undefined;
  const key = decodeKey(rawKey);
  const q = ex.query;
  const has = (name: string) => q.has(name);
  const method = ex.method;
  const unknown = () => unknownAction(ctx.scope, `${method} ${ex.path}${[...q.keys()].length ? `?${[...q.keys()].join("&")}` : ""}`);

  if (!bucket) return method === "GET" ? [{ action: "s3:ListAllMyBuckets", resources: ["*"] }] : unknown();
  const bucketArn = `arn:aws:s3:::${bucket}`;

  if (!key) {
    if (method === "POST" && has("delete")) {
      // DeleteObjects: s3:DeleteObject (or DeleteObjectVersion) on every key listed.
      const xml = ex.body?.toString("utf8") ?? "";
      const keys = xmlChildren(xml, "Object", "Key");
      const versions = xmlChildren(xml, "Object", "VersionId");
      const plain: string[] = [];
      const versioned: string[] = [];
      keys.forEach((k, i) => k !== undefined && (versions[i] ? versioned : plain).push(s3Object(bucket!, k)));
      const out: AuthorizedAction[] = [];
      if (plain.length) out.push({ action: "s3:DeleteObject", resources: dedupe(plain) });
      if (versioned.length) out.push({ action: "s3:DeleteObjectVersion", resources: dedupe(versioned) });
      return out.length ? out : unknownAction(ctx.scope, "DeleteObjects with no keys (body not captured?)");
    }
    for (const [sub, actions] of Object.entries(S3_BUCKET_SUBRESOURCES)) {
      if (has(sub)) return actions[method] ? [{ action: `s3:${actions[method]}`, resources: [bucketArn] }] : unknown();
    }
    const bare = [...q.keys()].every((k) => ["list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "fetch-owner", "encoding-type", "marker", "x-id"].includes(k));
    if (!bare) return unknown();
    switch (method) {
      case "GET": // ListObjects / ListObjectsV2
      case "HEAD": // HeadBucket
        return [{ action: "s3:ListBucket", resources: [bucketArn] }];
      case "PUT":
        return [{ action: "s3:CreateBucket", resources: [bucketArn] }];
      case "DELETE":
        return [{ action: "s3:DeleteBucket", resources: [bucketArn] }];
      default:
        return unknown();
    }
  }

  const objectArn = s3Object(bucket, key);
  const versioned = (a: string) => (has("versionId") && S3_VERSIONED[a] ? S3_VERSIONED[a] : a);
  const out: AuthorizedAction[] = [];
  let action: string | undefined;
  if (has("uploadId")) {
    // Multipart: UploadPart(Copy) and Complete are s3:PutObject; Abort and ListParts have their own actions.
    action = { PUT: "PutObject", POST: "PutObject", DELETE: "AbortMultipartUpload", GET: "ListMultipartUploadParts" }[method];
  } else {
    const sub = Object.keys(S3_OBJECT_SUBRESOURCES).find(has);
    if (sub) action = S3_OBJECT_SUBRESOURCES[sub][method];
    else action = { GET: "GetObject", HEAD: "GetObject", PUT: "PutObject", DELETE: "DeleteObject" }[method];
    if (action) action = versioned(action);
  }
  if (!action) return unknown();
  out.push({ action: `s3:${action}`, resources: [objectArn] });
  if (method === "PUT" && action === "PutObject") {
    // CopyObject / UploadPartCopy also read the source object.
    const copySource = headerValue(ex.headers, "x-amz-copy-source");
    if (copySource) {
      const [src, srcQuery] = decodeKey(copySource).replace(/^\//, "").split("?");
      const srcVersioned = new URLSearchParams(srcQuery ?? "").has("versionId");
      out.push({ action: srcVersioned ? "s3:GetObjectVersion" : "s3:GetObject", resources: [`arn:aws:s3:::${src}`] });
    }
    if (!has("uploadId")) {
      // Setting an ACL or tags on upload also needs the ACL / tagging permission.
      if (headerValue(ex.headers, "x-amz-acl") || Object.keys(ex.headers).some((h) => h.startsWith("x-amz-grant-"))) {
        out.push({ action: "s3:PutObjectAcl", resources: [objectArn] });
      }
      if (headerValue(ex.headers, "x-amz-tagging")) out.push({ action: "s3:PutObjectTagging", resources: [objectArn] });
    }
  }
  return out;
}

const MAPPERS: Record<string, (ex: Exchange, ctx: MapContext) => Promise<AuthorizedAction[]>> = {
  kinesis: mapKinesis,
  dynamodb: mapDynamoDb,
  sqs: mapSqs,
  secretsmanager: mapSecretsManager,
  s3: mapS3,
  sns: mapSns,
  kms: mapKms,
  monitoring: mapCloudWatch,
  logs: mapLogs,
  sts: mapSts,
  firehose: mapFirehose,
  lambda: mapLambda,
};

async function describeCall(ex: Exchange, ctx: MapContext): Promise<AuthorizedAction[]> {
  const mapper = MAPPERS[ctx.scope.signingName];
  if (!mapper) {
    const t = headerValue(ex.headers, "x-amz-target");
    return unknownAction(ctx.scope, t ?? `${ex.method} ${ex.path}`);
  }
  try {
    return await mapper(ex, ctx);
  } catch (e) {
    return unknownAction(ctx.scope, `mapping failed: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The proxy

/** Starts the recording proxy on a free loopback port, forwarding to `motoEndpoint`. */
export async function startCallRecorder(motoEndpoint: string, opts: { accountId?: string } = {}): Promise<CallRecorder> {
  const target = new URL(motoEndpoint);
  const accountId = opts.accountId ?? MOTO_ACCOUNT_ID;
  const agent = new http.Agent({ keepAlive: true });
  const recorded: RecordedCall[] = [];
  const tokens = new Map<string, string>();

  /** Asks moto directly (never recorded) an AWS JSON API question in `region`; undefined on any failure. */
  const askMotoIn =
    (region: string): MapContext["askMoto"] =>
    (signingName, amzTarget, body) =>
      new Promise((resolve) => {
        const payload = Buffer.from(JSON.stringify(body));
        const date = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
        const req = http.request(
          {
            host: target.hostname,
            port: target.port,
            path: "/",
            method: "POST",
            agent,
            headers: {
              "content-type": "application/x-amz-json-1.1",
              "content-length": payload.length,
              "x-amz-target": amzTarget,
              "x-amz-date": date,
              // moto reads the region (and account) from the credential scope; it ignores the signature.
              authorization: `AWS4-HMAC-SHA256 Credential=call-recorder/${date.slice(0, 8)}/${region}/${signingName}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve(res.statusCode === 200 ? jsonOf(Buffer.concat(chunks)) : undefined));
            res.on("error", () => resolve(undefined));
          },
        );
        req.on("error", () => resolve(undefined));
        req.end(payload);
      });

  const record = async (ex: Exchange, scope: Scope | undefined): Promise<void> => {
    const s: Scope = scope ?? { principal: "anonymous", region: "unknown", signingName: "unsigned" };
    const actions = await describeCall(ex, { scope: s, accountId, tokens, askMoto: askMotoIn(s.region) });
    const service = IAM_PREFIX_BY_SIGNING_NAME[s.signingName] ?? s.signingName;
    for (const a of actions) {
      const prefix = a.action.startsWith("unknown:") ? service : a.action.split(":")[0];
      recorded.push({ principal: s.principal, service: prefix, action: a.action, resources: a.resources, region: s.region, status: ex.status });
    }
  };

  let faultRule: ((call: DeniableCall) => Fault | undefined) | undefined;

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://recorder");
    const recordIt = !url.pathname.startsWith("/moto-api/");
    const scope = parseScope(req.headers, url.searchParams);
    const amzTarget = headerValue(req.headers, "x-amz-target");
    const fault = faultRule && scope && amzTarget ? faultRule({ principal: scope.principal, target: amzTarget }) : undefined;
    if (fault === "connection-reset") {
      req.socket.destroy();
      return;
    }
    if (fault) {
      const [service, operation] = amzTarget!.split(".");
      const type = fault === "access-denied" ? "AccessDeniedException" : "ProvisionedThroughputExceededException";
      const message =
        fault === "access-denied"
          ? `User: ${scope!.principal} is not authorized to perform: ${operation} because no identity-based policy allows the action`
          : "The level of configured provisioned throughput for the table was exceeded";
      req.resume();
      res.writeHead(400, { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": type });
      res.end(JSON.stringify({ __type: `com.amazonaws.${service.toLowerCase()}#${type}`, message }));
      return;
    }

    const reqChunks: Buffer[] = [];
    let reqSize = 0;
    const requestDone = new Promise<void>((resolve) => {
      req.on("data", (c: Buffer) => {
        reqSize += c.length;
        if (reqSize <= CAPTURE_LIMIT) reqChunks.push(c);
      });
      req.on("end", resolve);
      req.on("close", resolve);
      req.on("error", () => resolve());
    });

    const finish = async (status: number, responseBody: Buffer | undefined) => {
      if (!recordIt) return;
      await requestDone;
      let body: Buffer | undefined;
      try {
        body = reqSize <= CAPTURE_LIMIT ? decodeBody(Buffer.concat(reqChunks), req.headers) : undefined;
      } catch {
        body = undefined;
      }
      await record(
        { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body, status, responseBody },
        scope,
      );
    };

    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent },
      (up) => {
        const status = up.statusCode ?? 502;
        // The client must not see the response complete before the call is recorded. A response with
        // a body is streamed except for its last chunk, which is held back until the call is recorded
        // (with Content-Length the client is done at the last byte, not at our end()). A response
        // without a body (HEAD, 204, 304, Content-Length: 0) is complete at its head, so the head
        // waits instead.
        const bodiless = req.method === "HEAD" || status === 204 || status === 304 || up.headers["content-length"] === "0";
        if (!bodiless) res.writeHead(status, up.statusMessage, up.rawHeaders);
        const resChunks: Buffer[] = [];
        let resSize = 0;
        let held: Buffer | undefined;
        up.on("data", (c: Buffer) => {
          resSize += c.length;
          if (resSize <= CAPTURE_LIMIT) resChunks.push(c);
          if (held && !res.write(held)) {
            up.pause();
            res.once("drain", () => up.resume());
          }
          held = c;
        });
        up.on("end", () => {
          let responseBody: Buffer | undefined;
          try {
            responseBody = resSize <= CAPTURE_LIMIT ? decodeBody(Buffer.concat(resChunks), up.headers) : undefined;
          } catch {
            responseBody = undefined;
          }
          finish(status, responseBody).finally(() => {
            if (bodiless) res.writeHead(status, up.statusMessage, up.rawHeaders);
            res.end(held);
          });
        });
        up.on("error", () => res.destroy());
      },
    );
    upstream.on("error", (e) => {
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
      }
      finish(502, undefined).finally(() => res.end(`call recorder: moto unreachable: ${e.message}`));
    });
    req.pipe(upstream);
  };

  const server = http.createServer();
  server.on("request", handle);
  // Answer `Expect: 100-continue` ourselves, then proxy as usual (the header is forwarded unchanged).
  server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeContinue();
    handle(req, res);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: () => recorded.map((c) => ({ ...c, resources: [...c.resources] })),
    callsOf: (principal) => recorded.filter((c) => c.principal === principal).map((c) => ({ ...c, resources: [...c.resources] })),
    reset: () => {
      recorded.length = 0;
    },
    inject: (rule) => {
      faultRule = rule;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
