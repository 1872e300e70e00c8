import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";

export const METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/submit/events/e-1";
export const STAGE_RESOURCE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*";

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;

/** A REQUEST authorizer event with the given headers. */
export function authorizerEvent(headers: Record<string, string> | undefined, methodArn = METHOD_ARN): APIGatewayRequestAuthorizerEvent {
  return {
    type: "REQUEST",
    methodArn,
    resource: "/submit/{streamName}/{eventId}",
    path: "/submit/events/e-1",
    httpMethod: "POST",
    headers: headers ?? null,
    multiValueHeaders: headers ? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) : null,
    pathParameters: { streamName: "events", eventId: "e-1" },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: "req-1" } as never,
  } as APIGatewayRequestAuthorizerEvent;
}
