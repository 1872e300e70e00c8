import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { apiStageResource, authorizationHeader, credentialsMatch, parseBasicAuth, parseSecret, policy } from "./basic-auth";

/**
 * Coalesces concurrent calls into one: while a fetch is in flight, every caller gets its promise.
 * The parameters cache only fills when a fetch completes, so without this a burst of concurrent
 * requests (Lambda Managed Instances run several per environment) would each read the secret.
 */
export function singleFlight<T>(fetch: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= fetch().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

export interface AuthorizerDeps {
  /** The expected credentials' secret value (cached by the caller's parameters provider). */
  readonly getSecret: () => Promise<unknown>;
  readonly logger: Pick<Logger, "info" | "warn" | "error">;
  /** Counts a named event (e.g. an unreadable secret) as a CloudWatch metric. */
  readonly countMetric: (name: string) => void;
}

/**
 * Decides one request. Never throws: a malformed header, wrong credentials or an unreadable
 * secret all end in Deny. Logs only the decision and its reason: never the header, the
 * password, the secret or the returned policy.
 */
export async function authorize(event: APIGatewayRequestAuthorizerEvent, deps: AuthorizerDeps): Promise<APIGatewayAuthorizerResult> {
  const stageResource = apiStageResource(event.methodArn);
  const deny = (reason: string) => {
    deps.logger.info("denied", { reason, requestId: event.requestContext?.requestId });
    // Deny only the method asked for; an Allow covers the stage.
    return policy("anonymous", "Deny", event.methodArn ?? "*");
  };
  try {
    if (!stageResource) return deny("unexpected-method-arn");
    const parsed = parseBasicAuth(authorizationHeader(event));
    if (!parsed.ok) return deny(parsed.reason);
    let expected;
    try {
      expected = parseSecret(await deps.getSecret());
    } catch (error) {
      deps.logger.error("credentials secret unreadable", { errorName: (error as Error).name });
      deps.countMetric("SecretUnavailable");
      return deny("secret-unavailable");
    }
    if (!credentialsMatch(parsed.credentials, expected)) return deny("wrong-credentials");
    deps.logger.info("allowed", { requestId: event.requestContext?.requestId });
    return policy(parsed.credentials.username, "Allow", stageResource);
  } catch (error) {
    // Unreachable by design; kept so that no input can turn into a 500 with a stack.
    deps.logger.error("authorizer failed", { errorName: (error as Error).name });
    return deny("internal-error");
  }
}
