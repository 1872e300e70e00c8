import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { apiStageResource, authorizationHeader, credentialsMatch, parseBasicAuth, policy } from "./basic-auth";
import { AcceptedCredentials } from "./credentials";

/**
 * How old cached credentials may be and still refuse a request without a fresh read: wrong
 * passwords cost at most one secret read per second per container, and a producer that sends
 * the new password right after a rotation is let in at once, not after the cache's TTL.
 */
export const RECHECK_AFTER_MISMATCH_MS = 1_000;

export interface AuthorizerDeps {
  /** The accepted credentials (cached by the caller: see `cached`), read again when older than `fresherThanMs`. */
  readonly getCredentials: (options?: { readonly fresherThanMs?: number }) => Promise<AcceptedCredentials>;
  readonly logger: Pick<Logger, "info" | "warn" | "error">;
  /** Counts a named event (e.g. an unreadable secret) as a CloudWatch metric. */
  readonly countMetric: (name: string) => void;
}

/**
 * Thrown when the credentials cannot be read. API Gateway answers 500 and, unlike a Deny, does
 * not cache it: producers retry and get in as soon as the secret is readable again, instead of
 * being locked out for the authorizer's result TTL.
 */
export class CredentialsUnavailableError extends Error {
  constructor() {
    super("credentials unavailable");
    this.name = "CredentialsUnavailableError";
  }
}

/**
 * Decides one request. A malformed header, wrong credentials or any malformed event end in
 * Deny; only an unreadable secret throws (`CredentialsUnavailableError`). Logs only the
 * decision and its reason: never the header, the password, the secret or the returned policy.
 */
export async function authorize(event: APIGatewayRequestAuthorizerEvent, deps: AuthorizerDeps): Promise<APIGatewayAuthorizerResult> {
  const deny = (reason: string) => {
    deps.logger.info("denied", { reason, requestId: event?.requestContext?.requestId });
    // Deny only the method asked for; an Allow covers the stage.
    return policy("anonymous", "Deny", typeof event?.methodArn === "string" ? event.methodArn : "*");
  };
  try {
    const stageResource = apiStageResource(event?.methodArn);
    if (!stageResource) return deny("unexpected-method-arn");
    const parsed = parseBasicAuth(authorizationHeader(event));
    if (!parsed.ok) return deny(parsed.reason);
    const read = async (options?: { fresherThanMs: number }) => {
      try {
        return await deps.getCredentials(options);
      } catch (error) {
        deps.logger.error("credentials secret unreadable", { errorName: (error as Error).name });
        deps.countMetric("SecretUnavailable");
        throw new CredentialsUnavailableError();
      }
    };
    let matched = matchingVersion(parsed.credentials, await read());
    if (!matched) {
      // The secret may have changed since this container read it (a rotation), and the producer
      // already sends the new password: read again before refusing, unless the value was read in
      // the last second (so wrong passwords cannot drive reads).
      matched = matchingVersion(parsed.credentials, await read({ fresherThanMs: RECHECK_AFTER_MISMATCH_MS }));
    }
    if (!matched) return deny("wrong-credentials");
    if (matched === "previous") {
      // The producer has not switched to the new credentials yet: worth a metric before the grace period ends.
      deps.logger.warn("allowed with the previous credentials", { requestId: event.requestContext?.requestId });
      deps.countMetric("PreviousCredentialsUsed");
    } else {
      deps.logger.info("allowed", { requestId: event.requestContext?.requestId });
    }
    return policy(parsed.credentials.username, "Allow", stageResource);
  } catch (error) {
    if (error instanceof CredentialsUnavailableError) throw error;
    // Unreachable by design; kept so that no input can turn into a 500 with a stack.
    deps.logger.error("authorizer failed", { errorName: (error as Error).name });
    return deny("internal-error");
  }
}

/**
 * Which accepted version the given credentials match. Both versions are always compared (in
 * constant time each), so the answer's timing does not tell which one matched.
 */
export function matchingVersion(given: Parameters<typeof credentialsMatch>[0], accepted: AcceptedCredentials): "current" | "previous" | undefined {
  const current = credentialsMatch(given, accepted.current);
  const previous = credentialsMatch(given, accepted.previous ?? accepted.current) && accepted.previous !== undefined;
  return current ? "current" : previous ? "previous" : undefined;
}
