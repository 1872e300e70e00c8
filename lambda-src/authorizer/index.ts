import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { authorize, singleFlight } from "./authorize";

// Module scope: one provider per container, so its cache makes the secret a read per TTL, not per request.
// Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE,
// which the construct sets: a constructor argument would override what the deployment says.
const logger = new Logger();
const metrics = new Metrics();
const secrets = new SecretsProvider();
const secretId = process.env.SECRET_ID ?? "";
const maxAge = Number(process.env.SECRET_MAX_AGE_SECONDS ?? 300);
const getSecret = singleFlight(() => secrets.get(secretId, { maxAge, transform: "json" }));

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> =>
  authorize(event, {
    getSecret,
    logger,
    countMetric: (name) => {
      metrics.addMetric(name, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    },
  });
