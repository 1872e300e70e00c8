import { dependable, TerraformOutput, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayModel } from "@cdktf/provider-aws/lib/api-gateway-model";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import { ApiGatewayAuthorizer } from "@cdktf/provider-aws/lib/api-gateway-authorizer";
import { ApiGatewayGatewayResponse } from "@cdktf/provider-aws/lib/api-gateway-gateway-response";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { ApiGatewayAccountLogging } from "./api-gateway-account-logging";
import { ApiWebAcl, ApiWebAclProps } from "../wafv2/api-web-acl";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayApiKey } from "@cdktf/provider-aws/lib/api-gateway-api-key";
import { ApiGatewayUsagePlanKey } from "@cdktf/provider-aws/lib/api-gateway-usage-plan-key";
import { AwsEnvironment } from "../core/aws-environment";
import { ConfigurationDigest } from "../core/configuration-digest";
import { BasicAuthSecret, BasicAuthSecretProps } from "../secretsmanager/basic-auth-secret";
import { Duration } from "../core/duration";
import { IDataStream } from "../kinesis/data-stream";
import { LogGroup } from "../cloudwatch/log-group";
import { Metric, MetricFactory, metricFactory, MetricOptions, Statistic } from "../cloudwatch/metric";
import { NodejsFunction, NodejsFunctionProps } from "../lambda/nodejs-function";
import { Role, Trust } from "../iam/role";
import { addOutput } from "../core/outputs";
import { uniqueName } from "../core/naming";
import { skipCheckov } from "../core/checkov";
import { validateDuration, validateOneOf, validatePattern, validateRange, ValidationError } from "../core/validation";
import { KinesisPutRecordRoute } from "./kinesis-put-record-route";
import { KinesisPutRecordsRoute } from "./kinesis-put-records-route";
import { parentPath, pathPart, validateModelName, validateResourcePath, variableConflict } from "./route-validation";
import { ALL_METHODS, BURST_LIMIT_RANGE, createMethodSettings, RATE_LIMIT_RANGE, ThrottleSettings, validateThrottleSettings } from "./method-settings";

export interface UsagePlanProps {
  /** Names of the API keys to create (one per client); requests then need `x-api-key`. */
  readonly apiKeyNames: string[];
  /** Requests per second and burst per key. @default the stage throttling */
  readonly throttle?: ThrottleSettings;
  /** Requests per period per key. @default none */
  readonly quota?: { limit: number; period: "DAY" | "WEEK" | "MONTH" };
}

export interface PartnerPlanProps extends UsagePlanProps {
  /** The plan's name within the API, `[A-Za-z0-9_-]{1,64}` (the plan is `<api>-<name>`). */
  readonly name: string;
}

export interface IngestApiProps {
  /** The streams clients may write to, addressed by name in the path. At least one. */
  readonly streams: IDataStream[];
  /** @default a deterministic name from the construct path */
  readonly apiName?: string;
  /** Stage name, `[a-zA-Z0-9_]{1,128}`. @default "prod" */
  readonly stageName?: string;
  /** How long API Gateway caches an authorizer decision per Authorization header, 0–3600 s (0 = none). @default Duration.minutes(5) */
  readonly authorizerResultsCacheTtl?: Duration;
  /** How long the authorizer caches the secret per container, 0–3600 s. @default authorizerResultsCacheTtl */
  readonly secretMaxAge?: Duration;
  /**
   * How long after a change of the credentials the previous ones (the secret's AWSPREVIOUS)
   * still open the API, so partners switch when they like: 0–30 days, 0 = a cutover.
   * @default Duration.days(1)
   */
  readonly previousCredentialsGracePeriod?: Duration;
  /** The Basic-auth credentials secret (created with a random password unless `existingSecret` is given). @default created */
  readonly credentials?: BasicAuthSecretProps;
  /** Steady-state requests per second across the stage, 1–10,000. @default 100 */
  readonly throttlingRateLimit?: number;
  /** Burst size, 1–5,000. @default 200 */
  readonly throttlingBurstLimit?: number;
  /** Retention in days (a CloudWatch Logs value) of the access logs and the execution logs. @default 365 */
  readonly accessLogRetentionDays?: number;
  /**
   * The account's API Gateway logging setting, when this stack manages it (`ApiGatewayAccountLogging`,
   * one per account and region): the stage waits for it. @default none: the account's setting
   * is managed elsewhere (API Gateway refuses execution logging until it exists)
   */
  readonly accountLogging?: ApiGatewayAccountLogging;
  /**
   * A WAFv2 web ACL on the stage (`ApiWebAcl`): rate limit per client IP, AWS managed rules, body
   * size (at most 64 KiB then). @default none
   */
  readonly webAcl?: Omit<ApiWebAclProps, "stageArn">;
  /** An optional usage plan with API keys. @default none */
  readonly usagePlan?: UsagePlanProps;
  /**
   * A usage plan per partner (or group of clients), each with its own rate, burst and quota for
   * its API keys, beside or instead of `usagePlan`. Key names are unique across plans.
   * @default none
   */
  readonly partnerPlans?: PartnerPlanProps[];
  /** Authorizer function settings. @default 256 MB, 10 s */
  readonly authorizerFunction?: Omit<NodejsFunctionProps, "entry" | "environment">;
  /** Emit the endpoint URL, the secret ARN and (with a usage plan) the API keys as outputs. @default true */
  readonly outputs?: boolean;
}

/** A JSON model request bodies are validated against. */
export interface RequestModel {
  /** The model's name in the API, `[A-Za-z0-9]{1,255}`; routes naming the same model share it. */
  readonly name: string;
  /** A JSON schema (draft-04). */
  readonly schema: object;
}

/** A route of an `IngestApi`, e.g. `KinesisPutRecordRoute`: added with `api.addRoute(route)`. */
export interface IIngestRoute {
  /** Names the route in errors; unique per API (a Kinesis route's `idPrefix`). */
  readonly id: string;
  /** The resource path it answers on, e.g. `/orders/{eventId}`. */
  readonly path: string;
  /** The HTTP method it answers, e.g. `POST`. */
  readonly httpMethod: string;
  /**
   * Creates the route's method, integration and responses in the API's scope (paths and models
   * through `api.resourceForPath` and `api.addModel`); returns them, for the redeploy hash.
   */
  bind(api: IngestApi): TerraformResource[];
}

/** JSON bodies for every error API Gateway itself returns. */
const GATEWAY_RESPONSES: Array<[type: string, status: string, error: string, message: string]> = [
  ["UNAUTHORIZED", "401", "Unauthorized", "Basic credentials required"],
  ["ACCESS_DENIED", "403", "Forbidden", "Credentials not accepted"],
  ["BAD_REQUEST_BODY", "400", "BadRequest", "$context.error.validationErrorString"],
  ["REQUEST_TOO_LARGE", "413", "PayloadTooLarge", "$context.error.messageString"],
  ["THROTTLED", "429", "Throttled", "Too many requests; retry with backoff"],
  ["QUOTA_EXCEEDED", "429", "QuotaExceeded", "Usage plan quota exceeded"],
  ["DEFAULT_4XX", "", "ClientError", "$context.error.messageString"],
  ["DEFAULT_5XX", "", "ServerError", "$context.error.messageString"],
];

const JSON_CT = "application/json";

/** The stage metrics with helpers of their own: CloudWatch name, and the statistic that reads it. */
const STAGE_METRICS = {
  clientError: ["4XXError", "Sum"],
  serverError: ["5XXError", "Sum"],
  latency: ["Latency", "Average"],
  count: ["Count", "Sum"],
} as const satisfies Record<string, readonly [string, Statistic]>;

/** Construct ids the built-in routes' path resources were first released with: their addresses are pinned. */
const PINNED_RESOURCE_IDS: Record<string, string> = {
  "/submit": "Submit",
  "/submit/{streamName}": "SubmitStream",
  "/submit/{streamName}/{eventId}": "SubmitEvent",
  "/streams": "Streams",
  "/streams/{streamName}": "StreamsStream",
  "/streams/{streamName}/records": "StreamRecords",
};

/** What the access log records of each request (JSON, one line per request). */
const ACCESS_LOG_FORMAT = {
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationStatus: "$context.integration.status",
  integrationLatencyMs: "$context.integration.latency",
  principal: "$context.authorizer.principalId",
  authorizerError: "$context.authorizer.error",
  errorMessage: "$context.error.message",
  apiKeyId: "$context.identity.apiKeyId",
};

/**
 * A regional REST API in front of Kinesis, behind HTTP Basic auth checked by a Lambda REQUEST
 * authorizer. Its routes are route objects; two are built in:
 * - `POST /submit/{streamName}/{eventId}` (`KinesisPutRecordRoute`): the body (a JSON event with
 *   `eventId`) becomes one record, partition key `eventId`;
 * - `POST /streams/{streamName}/records` (`KinesisPutRecordsRoute`): `{ "records": [{ "data": {…} }] }`,
 *   up to 500, via PutRecords, each partitioned by its `data.eventId`.
 * `addRoute` adds more. Requests go straight to Kinesis (no Lambda in the data path), with an API
 * role that may only PutRecord/PutRecords on the bound streams.
 */
export class IngestApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly deployment: ApiGatewayDeployment;
  readonly stage: ApiGatewayStage;
  /** The web ACL on the stage, when `webAcl` is set. */
  readonly webAcl?: ApiWebAcl;
  readonly authorizerFunction: NodejsFunction;
  readonly authorizer: ApiGatewayAuthorizer;
  /** Validates every route's body against its model and its path parameters. */
  readonly requestValidator: ApiGatewayRequestValidator;
  readonly credentials: BasicAuthSecret;
  /** The role API Gateway writes to Kinesis with. */
  readonly apiRole: Role;
  readonly accessLogGroup: LogGroup;
  /**
   * The group API Gateway writes the stage's execution logs to (`API-Gateway-Execution-Logs_<api id>/<stage>`).
   * Created here, before the stage, so it has a retention: left to API Gateway, it would be
   * created on the first request and kept forever.
   */
  readonly executionLogGroup: LogGroup;
  readonly apiKeys: ApiGatewayApiKey[] = [];
  /** Whether every route requires an API key (with a usage plan). */
  readonly apiKeyRequired: boolean;
  /** The stage's invoke URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly url: string;
  readonly apiName: string;
  readonly stageName: string;
  private readonly stageMetric: MetricFactory;
  private readonly apiKeyNames: string[] = [];
  private readonly resourcesByPath = new Map<string, ApiGatewayResource>();
  private readonly routes: IIngestRoute[] = [];
  private readonly models = new Map<string, { model: ApiGatewayModel; schema: string }>();
  /** The routes' methods, integrations and responses. */
  private readonly routeParts: TerraformResource[] = [];
  private readonly gatewayResponses: TerraformResource[] = [];

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    this.validateProps(props);
    if (props.webAcl) ApiWebAcl.validateProps(this, props.webAcl, "webAcl.");
    const resultsCacheTtl = validateDuration(this, "authorizerResultsCacheTtl", props.authorizerResultsCacheTtl, "seconds", { min: 0, max: 3600 }) ?? 300;
    const secretMaxAge = validateDuration(this, "secretMaxAge", props.secretMaxAge, "seconds", { min: 0, max: 3600 }) ?? resultsCacheTtl;
    const gracePeriod = validateDuration(this, "previousCredentialsGracePeriod", props.previousCredentialsGracePeriod, "seconds", { min: 0, max: 2_592_000 }) ?? 86_400;
    this.stageName = props.stageName ?? "prod";
    this.apiName = props.apiName ?? uniqueName(this, 128);
    this.apiKeyRequired = props.usagePlan !== undefined || (props.partnerPlans ?? []).length > 0;
    this.stageMetric = metricFactory("AWS/ApiGateway", { ApiName: this.apiName, Stage: this.stageName });

    this.api = new ApiGatewayRestApi(this, "Api", {
      name: this.apiName,
      description: "Streaming ingest: HTTPS + Basic auth into Kinesis",
      endpointConfiguration: { types: ["REGIONAL"] },
      // A replacement API comes up before the old one goes (REST API names need not be unique).
      lifecycle: { createBeforeDestroy: true },
    });
    this.credentials = new BasicAuthSecret(this, "Credentials", props.credentials);
    this.authorizerFunction = this.createAuthorizerFunction(props.authorizerFunction, { secretMaxAge, gracePeriod });
    this.authorizer = this.createAuthorizer(resultsCacheTtl);
    this.apiRole = this.createKinesisRole(props.streams);
    this.requestValidator = new ApiGatewayRequestValidator(this, "BodyValidator", {
      restApiId: this.api.id,
      name: "body-and-parameters",
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const accountSettings = props.accountLogging?.account;
    this.accessLogGroup = new LogGroup(this, "AccessLogs", {
      logGroupName: `/aws/apigateway/${this.apiName}/${this.stageName}/access`,
      retentionDays: props.accessLogRetentionDays,
    });
    this.executionLogGroup = new LogGroup(this, "ExecutionLogs", {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.id}/${this.stageName}`,
      retentionDays: props.accessLogRetentionDays,
    });
    this.deployment = this.createDeployment();
    this.stage = this.createStage(accountSettings, {
      rateLimit: props.throttlingRateLimit ?? 100,
      burstLimit: props.throttlingBurstLimit ?? 200,
    });
    if (props.webAcl) {
      this.webAcl = new ApiWebAcl(this, "WebAcl", { ...props.webAcl, stageArn: this.stage.arn });
    } else {
      skipCheckov(this.stage, "CKV2_AWS_29", "The web ACL is off (webAcl): requests already need Basic auth, pass JSON-schema validation and stage throttling; turn it on for rate limits per client IP and AWS's managed rules");
    }
    this.url = this.stage.invokeUrl;

    this.addRoute(new KinesisPutRecordRoute({ idPrefix: "Submit", path: "/submit/{streamName}/{eventId}" }));
    this.addRoute(new KinesisPutRecordsRoute({ idPrefix: "PutRecords", path: "/streams/{streamName}/records" }));
    this.addGatewayResponses();
    if (props.usagePlan) this.addUsagePlan(props.usagePlan);
    for (const plan of props.partnerPlans ?? []) this.addUsagePlan(plan, plan.name);
    if (props.outputs ?? true) this.addOutputs(id);
  }

  /**
   * Adds a route (e.g. a `KinesisPutRecordRoute`); a change to any route redeploys the stage. It is
   * refused, before any of its parts exists, when its id is taken, another route answers its path
   * and method, or its path puts a second `{variable}` beside one (API Gateway would refuse both).
   */
  addRoute(route: IIngestRoute): void {
    this.validateRoute(route);
    this.routeParts.push(...route.bind(this));
    this.routes.push(route);
    this.shapeChanged();
  }

  /** The resource at `path` (e.g. `/orders/{eventId}`), created with any missing parents. */
  resourceForPath(path: string): ApiGatewayResource {
    validateResourcePath(this, "path", path);
    const existing = this.resourcesByPath.get(path);
    if (existing) return existing;
    this.validateVariableParts(path, "");
    const parent = parentPath(path);
    const parentId = parent === "" ? this.api.rootResourceId : this.resourceForPath(parent).id;
    const resource = new ApiGatewayResource(this, PINNED_RESOURCE_IDS[path] ?? `Resource${path.replace(/\//g, "-")}`, {
      restApiId: this.api.id,
      parentId,
      pathPart: pathPart(path),
    });
    this.resourcesByPath.set(path, resource);
    this.shapeChanged();
    return resource;
  }

  /** The API's model of that name: created on first use; a second use must give the same schema. */
  addModel(model: RequestModel): ApiGatewayModel {
    validateModelName(this, "model name", model.name);
    const schema = JSON.stringify(model.schema);
    const existing = this.models.get(model.name);
    if (existing && existing.schema !== schema) {
      throw new ValidationError(this, `model ${model.name} is already defined with another schema; give this one another name`);
    }
    if (existing) return existing.model;
    const created = new ApiGatewayModel(this, `${model.name}Model`, { restApiId: this.api.id, name: model.name, contentType: JSON_CT, schema });
    this.models.set(model.name, { model: created, schema });
    this.shapeChanged();
    return created;
  }

  /**
   * The usage plan's API keys as one sensitive output, `{ <key name>: <key value> }`, named `name`
   * in Terraform: the API's own, or (with `outputs: false`) its owner's. None without a usage plan.
   */
  addApiKeysOutput(scope: Construct, id: string, name: string): TerraformOutput | undefined {
    if (this.apiKeys.length === 0) return undefined;
    return addOutput(scope, id, name, {
      value: Object.fromEntries(this.apiKeys.map((key, i) => [this.apiKeyNames[i], key.value])),
      description: "API key per client of the usage plan (send as x-api-key)",
      sensitive: true,
    });
  }

  /** Any AWS/ApiGateway metric of this stage (Sum unless told). */
  metric(metricName: string, options?: MetricOptions): Metric {
    return this.stageMetric(metricName, "Sum", options);
  }

  /** Client errors, 4xx (Sum). */
  metricClientError(options?: MetricOptions): Metric {
    return this.stageMetric(...STAGE_METRICS.clientError, options);
  }

  /** Server errors, 5xx (Sum). */
  metricServerError(options?: MetricOptions): Metric {
    return this.stageMetric(...STAGE_METRICS.serverError, options);
  }

  /** End-to-end latency, ms (Average). */
  metricLatency(options?: MetricOptions): Metric {
    return this.stageMetric(...STAGE_METRICS.latency, options);
  }

  /** Requests (Sum). */
  metricCount(options?: MetricOptions): Metric {
    return this.stageMetric(...STAGE_METRICS.count, options);
  }

  private validateProps(props: IngestApiProps): void {
    if (props.streams.length === 0) throw new ValidationError(this, "streams must name at least one stream; got none");
    const names = props.streams.map((s) => s.streamName);
    if (new Set(names).size !== names.length) throw new ValidationError(this, `streams must be distinct; got ${names.join(", ")}`);
    validatePattern(this, "stageName", props.stageName, /^[a-zA-Z0-9_]{1,128}$/, "1–128 characters of [a-zA-Z0-9_]");
    validatePattern(this, "apiName", props.apiName, /^.{1,1024}$/, "1–1024 characters");
    validateRange(this, "throttlingRateLimit", props.throttlingRateLimit, RATE_LIMIT_RANGE);
    validateRange(this, "throttlingBurstLimit", props.throttlingBurstLimit, BURST_LIMIT_RANGE);
    NodejsFunction.validateProps(this, props.authorizerFunction ?? {}, "authorizerFunction.");
    const plans: Array<[string, UsagePlanProps]> = [
      ...(props.usagePlan ? [["usagePlan", props.usagePlan] as [string, UsagePlanProps]] : []),
      ...(props.partnerPlans ?? []).map((p, i) => [`partnerPlans[${i}]`, p] as [string, UsagePlanProps]),
    ];
    (props.partnerPlans ?? []).forEach((p, i) => validatePattern(this, `partnerPlans[${i}].name`, p.name, /^[A-Za-z0-9_-]{1,64}$/, "1–64 characters of [A-Za-z0-9_-]"));
    const planNames = (props.partnerPlans ?? []).map((p) => p.name);
    const repeatedPlan = planNames.find((n, i) => planNames.indexOf(n) !== i);
    if (repeatedPlan !== undefined) throw new ValidationError(this, `partnerPlans names must be unique; ${JSON.stringify(repeatedPlan)} is given twice`);
    for (const [prefix, plan] of plans) {
      if (plan.apiKeyNames.length === 0) throw new ValidationError(this, `${prefix}.apiKeyNames must name at least one key; got none`);
      plan.apiKeyNames.forEach((n, i) => validatePattern(this, `${prefix}.apiKeyNames[${i}]`, n, /^[A-Za-z0-9_.-]{1,128}$/, "1–128 characters of [A-Za-z0-9_.-]"));
      validateThrottleSettings(this, `${prefix}.throttle`, plan.throttle);
      if (plan.quota) {
        validateRange(this, `${prefix}.quota.limit`, plan.quota.limit, { min: 1, max: 2147483647, unit: "requests" });
        validateOneOf(this, `${prefix}.quota.period`, plan.quota.period, ["DAY", "WEEK", "MONTH"]);
      }
    }
    const keyNames = plans.flatMap(([, plan]) => plan.apiKeyNames);
    const repeatedKey = keyNames.find((n, i) => keyNames.indexOf(n) !== i);
    if (repeatedKey !== undefined) throw new ValidationError(this, `API key names must be unique across usagePlan and partnerPlans; ${JSON.stringify(repeatedKey)} is given twice`);
  }

  /** Throws unless the route can join the API's (see `addRoute`). */
  private validateRoute(route: IIngestRoute): void {
    const label = `route ${route.id} (${route.httpMethod} ${route.path}): `;
    validateResourcePath(this, `${label}path`, route.path);
    const sameId = this.routes.find((other) => other.id === route.id);
    if (sameId) {
      throw new ValidationError(this, `${label}route ${sameId.id} (${sameId.httpMethod} ${sameId.path}) has that id already; give each route an id of its own`);
    }
    const sameMethod = this.routes.find((other) => other.path === route.path && other.httpMethod.toUpperCase() === route.httpMethod.toUpperCase());
    if (sameMethod) {
      throw new ValidationError(this, `${label}route ${sameMethod.id} answers ${sameMethod.httpMethod} ${sameMethod.path} already; API Gateway allows one method per resource path and HTTP method`);
    }
    this.validateVariableParts(route.path, label);
  }

  /** Throws if `path` would put a second `{variable}` child beside an existing one; `label` starts the message. */
  private validateVariableParts(path: string, label: string): void {
    const conflict = variableConflict(path, this.resourcesByPath.keys());
    if (conflict) {
      throw new ValidationError(this, `${label}${conflict.path} would sit beside ${conflict.existing}; API Gateway allows one {variable} child per resource`);
    }
  }

  /** The Basic-auth authorizer function, which may read only the credentials secret. */
  private createAuthorizerFunction(props: IngestApiProps["authorizerFunction"], seconds: { secretMaxAge: number; gracePeriod: number }): NodejsFunction {
    const fn = new NodejsFunction(this, "Authorizer", {
      description: "Basic-auth REQUEST authorizer of the ingest API",
      timeout: Duration.seconds(10),
      ...props,
      entry: "authorizer",
      environment: {
        SECRET_ID: this.credentials.secretArn,
        SECRET_MAX_AGE_SECONDS: String(seconds.secretMaxAge),
        PREVIOUS_CREDENTIALS_GRACE_SECONDS: String(seconds.gracePeriod),
        POWERTOOLS_SERVICE_NAME: "authorizer",
        POWERTOOLS_METRICS_NAMESPACE: "StreamingIngest",
        POWERTOOLS_LOGGER_LOG_EVENT: "false",
      },
    });
    this.credentials.grantRead(fn);
    skipCheckov(fn.resource, "CKV_AWS_116", "Invoked synchronously by API Gateway: there are no asynchronous invocations to dead-letter");
    if (props?.reservedConcurrentExecutions === undefined) {
      skipCheckov(fn.resource, "CKV_AWS_115", "Bounded by the stage throttling and the authorizer result cache; reserving it would only take capacity from the account pool");
    }
    return fn;
  }

  /** The REQUEST authorizer on the Authorization header; only it may invoke the function. */
  private createAuthorizer(resultsCacheTtlSeconds: number): ApiGatewayAuthorizer {
    const authorizer = new ApiGatewayAuthorizer(this, "BasicAuthorizer", {
      name: "basic-auth",
      restApiId: this.api.id,
      type: "REQUEST",
      identitySource: "method.request.header.Authorization",
      authorizerUri: this.authorizerFunction.resource.invokeArn,
      authorizerResultTtlInSeconds: resultsCacheTtlSeconds,
    });
    this.authorizerFunction.allowInvokeFromService("ApiInvoke", "apigateway.amazonaws.com", `${this.api.executionArn}/authorizers/${authorizer.id}`);
    return authorizer;
  }

  /** The API's role into Kinesis: PutRecord/PutRecords on the bound streams, nothing else. */
  private createKinesisRole(streams: IDataStream[]): Role {
    const role = new Role(this, "KinesisRole", {
      description: `API Gateway ${this.apiName} writes to its bound Kinesis streams`,
      // aws:SourceAccount only: API Gateway's documentation does not say that it sets aws:SourceArn
      // when it assumes an integration's credentials role, and a condition on a key it does not
      // set would refuse every request. The role serves this API alone (its own construct).
      assumedBy: Trust.service("apigateway.amazonaws.com", { StringEquals: { "aws:SourceAccount": AwsEnvironment.of(this).accountId } }),
    });
    for (const stream of streams) stream.grantWrite(role);
    return role;
  }

  private createDeployment(): ApiGatewayDeployment {
    return new ApiGatewayDeployment(this, "Deployment", {
      restApiId: this.api.id,
      description: "Redeployed when any route, model, template or response changes",
      // A hash of every part of the API's shape as configured here (paths, methods, templates,
      // models, responses), routes added later included: any change makes a new deployment.
      // Hashed at synth, not over the resources' state, so what the API merely reports back
      // (empty lists and maps) never looks like a change and a second plan stays clean.
      triggers: { redeployment: ConfigurationDigest.asString(() => this.shape()) },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: this.shape(),
    });
  }

  /** The stage: JSON access logs, X-Ray, ERROR-only execution logs and stage-wide throttling. */
  private createStage(accountSettings: ApiGatewayAccount | undefined, throttle: ThrottleSettings): ApiGatewayStage {
    const stage = new ApiGatewayStage(this, "Stage", {
      restApiId: this.api.id,
      deploymentId: this.deployment.id,
      stageName: this.stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: this.accessLogGroup.logGroupArn, format: JSON.stringify(ACCESS_LOG_FORMAT) },
      // Execution logging starts with the stage's method settings; the group must exist by then.
      dependsOn: [...(accountSettings ? [accountSettings] : []), this.executionLogGroup.resource],
    });
    createMethodSettings(this, "StageSettings", { restApiId: this.api.id, stageName: stage.stageName, methodPath: ALL_METHODS, throttle });
    skipCheckov(stage, "CKV2_AWS_51", "Client certificates authenticate API Gateway to HTTP backends; the only backend here is Kinesis, called with SigV4 through the API's role");
    skipCheckov(stage, "CKV_AWS_120", "Every route is a write (POST into Kinesis): cached responses would drop records");
    return stage;
  }

  /** JSON bodies for API Gateway's own errors, and a Basic challenge with 401. */
  private addGatewayResponses(): void {
    const responses = GATEWAY_RESPONSES.map(
      ([type, status, error, message]) =>
        new ApiGatewayGatewayResponse(this, `Response${type}`, {
          restApiId: this.api.id,
          responseType: type,
          statusCode: status || undefined,
          // $context.error.messageString comes quoted already; every other message is quoted here.
          responseTemplates: { [JSON_CT]: `{"error":"${error}","message":${message === "$context.error.messageString" ? message : `"${message}"`},"requestId":"$context.requestId"}` },
          responseParameters:
            type === "UNAUTHORIZED" ? { "gatewayresponse.header.WWW-Authenticate": `'Basic realm="ingest", charset="UTF-8"'` } : undefined,
        }),
    );
    this.gatewayResponses.push(...responses);
    this.shapeChanged();
  }

  /** A usage plan and its keys: `usagePlan` under the ids it always had, a partner plan under its name. */
  private addUsagePlan(plan: UsagePlanProps, partner?: string): void {
    const usagePlan = new ApiGatewayUsagePlan(this, partner ? `UsagePlan-${partner}` : "UsagePlan", {
      name: `${this.apiName}-${partner ?? "plan"}`,
      apiStages: [{ apiId: this.api.id, stage: this.stage.stageName }],
      throttleSettings: plan.throttle ? { rateLimit: plan.throttle.rateLimit, burstLimit: plan.throttle.burstLimit } : undefined,
      quotaSettings: plan.quota ? { limit: plan.quota.limit, period: plan.quota.period } : undefined,
    });
    for (const name of plan.apiKeyNames) {
      const key = new ApiGatewayApiKey(this, `ApiKey-${name}`, { name, description: `Ingest API key for ${name}` });
      new ApiGatewayUsagePlanKey(this, `ApiKeyPlan-${name}`, { keyId: key.id, keyType: "API_KEY", usagePlanId: usagePlan.id });
      this.apiKeys.push(key);
      this.apiKeyNames.push(name);
    }
  }

  /** `<id>_url`, `<id>_credentials_secret_arn` and, with a usage plan, `<id>_api_keys`. */
  private addOutputs(id: string): void {
    addOutput(this, "UrlOutput", `${id}_url`, { value: this.url, description: "Ingest API endpoint (stage URL)" });
    addOutput(this, "SecretOutput", `${id}_credentials_secret_arn`, {
      value: this.credentials.secretArn,
      description: "Secrets Manager secret holding the Basic-auth username and password",
    });
    this.addApiKeysOutput(this, "ApiKeyValues", `${id}_api_keys`);
  }

  /**
   * Every part of the API's shape, in a fixed order (paths, models, validator, authorizer, routes,
   * gateway responses): what the redeploy hash covers and the deployment waits for.
   */
  private shape(): TerraformResource[] {
    const models = [...this.models.values()].map((m) => m.model);
    return [...this.resourcesByPath.values(), ...models, this.requestValidator, this.authorizer, ...this.routeParts, ...this.gatewayResponses];
  }

  /** Has the deployment wait for every part of the shape, new ones included (Terraform orders only by references). */
  private shapeChanged(): void {
    this.deployment.dependsOn = this.shape().map((part) => dependable(part));
  }
}
