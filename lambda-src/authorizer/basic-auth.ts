import { createHash, timingSafeEqual } from "crypto";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";

/** Longest Authorization header we decode; anything longer is refused unread. */
export const MAX_HEADER_LENGTH = 4096;

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export type RejectReason =
  | "missing"
  | "ambiguous"
  | "too-long"
  | "not-basic"
  | "bad-base64"
  | "bad-encoding"
  | "control-characters"
  | "no-colon"
  | "empty-user"
  | "empty-password";

export type ParsedHeader = { ok: true; credentials: Credentials } | { ok: false; reason: RejectReason };

const BASIC = /^basic +([^ ]+) *$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// RFC 7617: user-id and password contain no control characters (the user-id no colon either).
const CONTROL = /[\u0000-\u001f\u007f]/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The Authorization header of a REQUEST authorizer event, found case-insensitively. */
export function authorizationHeader(event: Pick<APIGatewayRequestAuthorizerEvent, "headers" | "multiValueHeaders">): unknown {
  const multi = Object.entries(event.multiValueHeaders ?? {}).filter(([k]) => k.toLowerCase() === "authorization");
  if (multi.length > 1 || (multi[0]?.[1]?.length ?? 0) > 1) return { ambiguous: true };
  const single = Object.entries(event.headers ?? {}).filter(([k]) => k.toLowerCase() === "authorization");
  if (single.length > 1) return { ambiguous: true };
  return single[0]?.[1];
}

/** Parses `Basic base64(user:password)`; every malformed input is a reason, never an exception. */
export function parseBasicAuth(header: unknown): ParsedHeader {
  if (typeof header === "object" && header !== null && "ambiguous" in header) return { ok: false, reason: "ambiguous" };
  if (typeof header !== "string" || header.trim() === "") return { ok: false, reason: "missing" };
  if (header.length > MAX_HEADER_LENGTH) return { ok: false, reason: "too-long" };
  const match = BASIC.exec(header);
  if (!match) return { ok: false, reason: "not-basic" };
  if (!BASE64.test(match[1])) return { ok: false, reason: "bad-base64" };
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(match[1], "base64"));
  } catch {
    return { ok: false, reason: "bad-encoding" };
  }
  if (CONTROL.test(decoded)) return { ok: false, reason: "control-characters" };
  const colon = decoded.indexOf(":");
  if (colon === -1) return { ok: false, reason: "no-colon" };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username === "") return { ok: false, reason: "empty-user" };
  if (password === "") return { ok: false, reason: "empty-password" };
  return { ok: true, credentials: { username, password } };
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Constant-time comparison: both sides are hashed to 32 bytes (so lengths never leak and
 * timingSafeEqual always gets equal-length buffers), and both fields are always compared.
 */
export function credentialsMatch(given: Credentials, expected: Credentials): boolean {
  const user = timingSafeEqual(digest(given.username), digest(expected.username));
  const pass = timingSafeEqual(digest(given.password), digest(expected.password));
  return user && pass;
}

/**
 * The resource an Allow covers: every method and path of the API stage the request came to,
 * so a cached decision serves all of the API's routes. `arn:…:apiId/stage/VERB/path` →
 * `arn:…:apiId/stage/*` + `/*`. Undefined when the ARN is not an execute-api method ARN.
 */
export function apiStageResource(methodArn: unknown): string | undefined {
  // A string only: exec would turn an array (a malformed event) into the ARN it holds.
  if (typeof methodArn !== "string") return undefined;
  const m = /^(arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+\/[^/]+)\/[A-Z*]+\/.*$/.exec(methodArn);
  return m ? `${m[1]}/*/*` : undefined;
}

export function policy(principalId: string, effect: "Allow" | "Deny", resource: string): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: resource }],
    },
  };
}

/** The secret's value must be `{ "username": "…", "password": "…" }`, both non-empty strings. */
export function parseSecret(value: unknown): Credentials {
  const v = value as Partial<Credentials> | null;
  if (!v || typeof v !== "object" || typeof v.username !== "string" || typeof v.password !== "string" || !v.username || !v.password) {
    throw new Error("secret is not a JSON object with non-empty string username and password");
  }
  return { username: v.username, password: v.password };
}
