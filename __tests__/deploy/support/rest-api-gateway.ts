/**
 * Plays API Gateway's part for a REST API deployed in the emulator (moto stores REST APIs but
 * executes neither authorizers nor mapping templates). Everything comes from the deployed API as
 * the emulator reports it: resources and methods, each method's authorization and authorizer,
 * each integration's URI, credentials role, request template and integration responses, and the
 * gateway responses. A request goes through the same steps as on AWS:
 *
 *   route → (authorization CUSTOM: REQUEST authorizer, Allow/Deny) → request template (real VTL)
 *   → the AWS service action, signed as the integration's role → integration response template.
 *
 * Not emulated: request validation against models, the authorizer result cache, throttling.
 */
import { randomUUID } from "crypto";
import * as http from "http";

import { APIGatewayClient, GetAuthorizersCommand, GetGatewayResponsesCommand, GetIntegrationCommand, GetMethodCommand, GetResourcesCommand, Integration, Method } from "@aws-sdk/client-api-gateway";

import { renderGatewayResponseTemplate, renderMappingTemplate } from "./apigateway-vtl";
import { credentialsFor } from "./aws-call-recorder";
import type { DeployedFunction } from "./deployed-function";
import { rolePrincipal } from "./deployed-function";

const JSON_CT = "application/json";

interface Route {
  path: string;
  /** The path as a regex with one group per `{param}`. */
  pattern: RegExp;
  params: string[];
  httpMethod: string;
  method: Method;
  integration: Integration;
}

interface GatewayResponse {
  statusCode?: string;
  responseParameters?: Record<string, string>;
  responseTemplates?: Record<string, string>;
}

export interface EmulatedRestApiOptions {
  restApiId: string;
  stageName: string;
  region: string;
  accountId: string;
  /** Where AWS service calls go (the call recorder in front of the emulator). */
  awsEndpoint: string;
  /** The deployed function an authorizer URI names. */
  functionByArn(functionArn: string): Promise<DeployedFunction>;
}

/** A request as the emulated gateway answered it: for the test to read what happened. */
export interface GatewayLog {
  method: string;
  path: string;
  status: number;
  authorizer?: "Allow" | "Deny" | "Error" | "missing" | "not configured";
  integration?: string;
}

export class EmulatedRestApi {
  static async load(apigateway: APIGatewayClient, options: EmulatedRestApiOptions): Promise<EmulatedRestApi> {
    const restApiId = options.restApiId;
    const resources = (await apigateway.send(new GetResourcesCommand({ restApiId, limit: 500 }))).items ?? [];
    const routes: Route[] = [];
    for (const resource of resources) {
      for (const httpMethod of Object.keys(resource.resourceMethods ?? {})) {
        const method = await apigateway.send(new GetMethodCommand({ restApiId, resourceId: resource.id!, httpMethod }));
        const integration = await apigateway.send(new GetIntegrationCommand({ restApiId, resourceId: resource.id!, httpMethod }));
        const params = [...resource.path!.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        const pattern = new RegExp(`^${resource.path!.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, "([^/]+)")}$`);
        routes.push({ path: resource.path!, pattern, params, httpMethod, method, integration });
      }
    }
    const authorizers = (await apigateway.send(new GetAuthorizersCommand({ restApiId }))).items ?? [];
    const gatewayResponses = (await apigateway.send(new GetGatewayResponsesCommand({ restApiId }))).items ?? [];
    const api = new EmulatedRestApi(
      options,
      routes,
      new Map(authorizers.map((a) => [a.id!, a])),
      new Map(gatewayResponses.map((g) => [g.responseType!, g as GatewayResponse])),
    );
    await api.listen();
    return api;
  }

  /** Every request answered, in order. */
  readonly log: GatewayLog[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private base = "";

  private constructor(
    private readonly options: EmulatedRestApiOptions,
    readonly routes: Route[],
    private readonly authorizers: Map<string, { type?: string; authorizerUri?: string; identitySource?: string }>,
    private readonly gatewayResponses: Map<string, GatewayResponse>,
  ) {}

  /** The stage's invoke URL on loopback, e.g. `http://127.0.0.1:1234/prod`. */
  get url(): string {
    return `${this.base}/${this.options.stageName}`;
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.base);
    const entry: GatewayLog = { method: req.method ?? "GET", path: url.pathname, status: 0 };
    this.log.push(entry);
    const reply = (status: number, text: string, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { "content-type": JSON_CT, ...headers }).end(text);
    };
    try {
      const stagePrefix = `/${this.options.stageName}`;
      const path = url.pathname.startsWith(`${stagePrefix}/`) ? url.pathname.slice(stagePrefix.length) : undefined;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)]));
      const match = path === undefined ? undefined : this.route(entry.method, path);
      const requestId = randomUUID();
      const context = { requestId, stage: this.options.stageName, httpMethod: entry.method, resourcePath: match?.route.path ?? "", identity: { sourceIp: "127.0.0.1" } };
      if (!match) return this.gatewayResponse(reply, "MISSING_AUTHENTICATION_TOKEN", 403, context, "Missing Authentication Token");
      const { route, pathParameters } = match;

      // --- Authorization, exactly as the deployed method says ---------------------------------
      let authorizerContext: Record<string, unknown> = {};
      if (route.method.authorizationType === "CUSTOM") {
        const decision = await this.authorize(route, path!, headers, pathParameters, context);
        entry.authorizer = decision.effect;
        if (decision.effect === "missing") return this.gatewayResponse(reply, "UNAUTHORIZED", 401, context, "Unauthorized");
        if (decision.effect === "Error") return this.gatewayResponse(reply, "AUTHORIZER_FAILURE", 500, context, "Internal server error");
        if (decision.effect === "Deny") return this.gatewayResponse(reply, "ACCESS_DENIED", 403, context, "User is not authorized to access this resource");
        authorizerContext = decision.context;
      } else {
        entry.authorizer = "not configured";
      }

      // --- Integration: request template, the AWS action as the integration's role ------------
      const integration = route.integration;
      const template = integration.requestTemplates?.[JSON_CT];
      const requestBody =
        template === undefined
          ? body
          : renderMappingTemplate(template, { body, pathParameters, headers, queryString: Object.fromEntries(url.searchParams), context: { ...context, authorizer: authorizerContext } }).output;
      const upstream = await this.callAws(integration, requestBody);
      entry.integration = `${upstream.action} → ${upstream.status}`;

      // --- Integration response: the first selection pattern matching the status, else the default
      const responses = Object.values(integration.integrationResponses ?? {});
      const selected =
        responses.find((r) => r.selectionPattern && new RegExp(`^${r.selectionPattern}$`).test(String(upstream.status))) ??
        responses.find((r) => !r.selectionPattern);
      if (!selected) return this.gatewayResponse(reply, "DEFAULT_5XX", 500, context, "Internal server error");
      const responseTemplate = selected.responseTemplates?.[JSON_CT];
      const rendered = responseTemplate === undefined ? { output: upstream.body, statusOverride: undefined, headerOverrides: {} } : renderMappingTemplate(responseTemplate, { body: upstream.body, context });
      reply(rendered.statusOverride ?? Number(selected.statusCode), rendered.output, { ...staticHeaders(selected.responseParameters), ...rendered.headerOverrides });
    } catch (error) {
      entry.status = 500;
      res.writeHead(500, { "content-type": JSON_CT }).end(JSON.stringify({ message: `emulated gateway failed: ${(error as Error).message}` }));
    }
  }

  private route(httpMethod: string, path: string): { route: Route; pathParameters: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.httpMethod !== httpMethod && route.httpMethod !== "ANY") continue;
      const m = route.pattern.exec(path);
      if (m) return { route, pathParameters: Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(m[i + 1])])) };
    }
    return undefined;
  }

  /** Runs the method's REQUEST authorizer: the deployed function, with the event API Gateway sends. */
  private async authorize(
    route: Route,
    path: string,
    headers: Record<string, string>,
    pathParameters: Record<string, string>,
    context: Record<string, unknown>,
  ): Promise<{ effect: "Allow" | "Deny" | "Error" | "missing"; context: Record<string, unknown> }> {
    const authorizer = this.authorizers.get(route.method.authorizerId ?? "");
    if (!authorizer || authorizer.type !== "REQUEST") throw new Error(`method ${route.httpMethod} ${route.path} names authorizer ${route.method.authorizerId}, which is not a REQUEST authorizer of this API`);
    // Every identity source must be present, or API Gateway answers 401 without calling the function.
    for (const source of (authorizer.identitySource ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
      const header = /^method\.request\.header\.(.+)$/.exec(source)?.[1];
      if (header && !headers[header.toLowerCase()]) return { effect: "missing", context: {} };
    }
    const functionArn = /functions\/(.+)\/invocations$/.exec(authorizer.authorizerUri ?? "")?.[1];
    if (!functionArn) throw new Error(`authorizer URI ${authorizer.authorizerUri} names no function`);
    const fn = await this.options.functionByArn(functionArn);
    const { region, accountId, restApiId, stageName } = this.options;
    const methodArn = `arn:aws:execute-api:${region}:${accountId}:${restApiId}/${stageName}/${route.httpMethod}${path}`;
    const outcome = await fn.invoke({
      type: "REQUEST",
      methodArn,
      resource: route.path,
      path,
      httpMethod: route.httpMethod,
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      queryStringParameters: {},
      pathParameters,
      stageVariables: {},
      requestContext: { ...context, accountId, apiId: restApiId, resourceId: route.path },
    });
    if (!outcome.ok) return { effect: "Error", context: {} };
    const result = outcome.payload as { principalId?: string; policyDocument?: { Statement?: Array<{ Effect: string; Action: string | string[]; Resource: string | string[] }> }; context?: Record<string, unknown> };
    const statements = (result?.policyDocument?.Statement ?? []).filter((s) => matchesAny(s.Action, "execute-api:Invoke") && matchesAny(s.Resource, methodArn));
    if (statements.some((s) => s.Effect === "Deny") || !statements.some((s) => s.Effect === "Allow")) return { effect: "Deny", context: {} };
    return { effect: "Allow", context: { principalId: result.principalId, ...(result.context ?? {}) } };
  }

  /** Sends the rendered request to the AWS service the integration URI names, signed as the integration's role. */
  private async callAws(integration: Integration, body: string): Promise<{ action: string; status: number; body: string }> {
    const m = /^arn:[^:]+:apigateway:([^:]+):([^:]+):action\/(.+)$/.exec(integration.uri ?? "");
    if (!m || integration.type !== "AWS") throw new Error(`integration ${integration.type} ${integration.uri} is not an AWS action integration`);
    const [, region, service, action] = m;
    const target = TARGET_PREFIX[service];
    if (!target) throw new Error(`AWS integrations with ${service} are not emulated`);
    if (!integration.credentials) throw new Error(`integration ${integration.uri} has no credentials role`);
    const { accessKeyId } = credentialsFor(rolePrincipal(integration.credentials));
    const contentType = staticHeaders(integration.requestParameters, "integration.request.header.")["Content-Type"] ?? "application/x-amz-json-1.1";
    const date = new Date().toISOString().replace(/[-:]/g, "").slice(0, 8);
    const response = await fetch(this.options.awsEndpoint, {
      method: "POST",
      headers: {
        "content-type": contentType,
        "x-amz-target": `${target}.${action}`,
        // API Gateway signs with the role's session; the recorder reads who from the credential scope.
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date}/${region}/${service}/aws4_request, SignedHeaders=content-type;host;x-amz-target, Signature=emulated`,
      },
      body,
    });
    return { action: `${service}:${action}`, status: response.status, body: await response.text() };
  }

  private gatewayResponse(reply: (status: number, text: string, headers?: Record<string, string>) => void, type: string, defaultStatus: number, context: Record<string, unknown>, message: string): void {
    const configured = this.gatewayResponses.get(type) ?? this.gatewayResponses.get(defaultStatus >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX");
    const template = configured?.responseTemplates?.[JSON_CT];
    const ctx = { ...context, error: { message, messageString: JSON.stringify(message), responseType: type } };
    const text = template === undefined ? JSON.stringify({ message }) : renderGatewayResponseTemplate(template, { context: ctx });
    reply(Number(configured?.statusCode || defaultStatus), text, staticHeaders(configured?.responseParameters, "gatewayresponse.header."));
  }
}

/** X-Amz-Target prefixes of the JSON-protocol services an integration may call. */
const TARGET_PREFIX: Record<string, string> = { kinesis: "Kinesis_20131202" };

/** Header values of a response/request parameter map whose values are static ('quoted'). */
function staticHeaders(parameters: Record<string, string> | undefined, prefix = "method.response.header."): Record<string, string> {
  return Object.fromEntries(
    Object.entries(parameters ?? {})
      .filter(([k, v]) => k.startsWith(prefix) && /^'.*'$/.test(v))
      .map(([k, v]) => [k.slice(prefix.length), v.slice(1, -1)]),
  );
}

/** IAM-style match of a policy's Action/Resource (with `*` and `?`) against a value. */
function matchesAny(patterns: string | string[], value: string): boolean {
  return (Array.isArray(patterns) ? patterns : [patterns]).some((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i").test(value));
}
