import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { authorize } from "./authorize";
import { cached, readAcceptedCredentials, ReadVersion } from "./credentials";

// Module scope: one client and one cache per container, so the secret is a read per TTL, not per request.
// Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE,
// which the construct sets: a constructor argument would override what the deployment says.
const logger = new Logger();
const metrics = new Metrics();
const secretsManager = new SecretsManagerClient({});
const secretId = process.env.SECRET_ID ?? "";
const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback) * 1000;

const readVersion: ReadVersion = async (stage) => {
  try {
    return await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
  } catch (error) {
    // No version holds AWSPREVIOUS until the secret's first change.
    if (stage === "AWSPREVIOUS" && error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
};
const getCredentials = cached(() => readAcceptedCredentials(readVersion, seconds("PREVIOUS_CREDENTIALS_GRACE_SECONDS", 86_400), Date.now()), {
  maxAgeMs: seconds("SECRET_MAX_AGE_SECONDS", 300),
  failureMs: seconds("SECRET_FAILURE_BACKOFF_SECONDS", 5),
});

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> =>
  authorize(event, {
    getCredentials,
    logger,
    countMetric: (name) => {
      try {
        metrics.addMetric(name, MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      } catch (error) {
        // A metric is never worth a failed authorization.
        logger.warn("metric not published", { metric: name, errorName: (error as Error).name });
      }
    },
  });
