import { createHash } from "crypto";
import { IResolveContext, Lazy, TerraformOutput, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayMethodResponse } from "@cdktf/provider-aws/lib/api-gateway-method-response";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayIntegrationResponse } from "@cdktf/provider-aws/lib/api-gateway-integration-response";
import { ApiGatewayModel } from "@cdktf/provider-aws/lib/api-gateway-model";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import { ApiGatewayAuthorizer } from "@cdktf/provider-aws/lib/api-gateway-authorizer";
import { ApiGatewayGatewayResponse } from "@cdktf/provider-aws/lib/api-gateway-gateway-response";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayApiKey } from "@cdktf/provider-aws/lib/api-gateway-api-key";
import { ApiGatewayUsagePlanKey } from "@cdktf/provider-aws/lib/api-gateway-usage-plan-key";
import { AwsEnvironment } from "../core/aws-environment";
import { Duration } from "../core/duration";
import { BasicAuthSecret, BasicAuthSecretProps } from "../secretsmanager/basic-auth-secret";
import { IGrantable } from "../iam/policy-statement";
import { LogGroup } from "../cloudwatch/log-group";
import { Metric, MetricOptions } from "../cloudwatch/metric";
import { NodejsFunction, NodejsFunctionProps } from "../lambda/nodejs-function";
import { PolicyStatement } from "../iam/policy-statement";
import { Role, Trust } from "../iam/role";
import { uniqueName } from "../core/naming";
import { skipCheckov } from "../core/checkov";
import { validateOneOf, validatePattern, validateRange, ValidationError } from "../core/validation";

/** A stream the API may write to (e.g. `DataStream`). */
export interface IIngestStream {
  readonly streamName: string;
  grantWrite(grantee: IGrantable): void;
}

export interface UsagePlanProps {
  /** Names of the API keys to create (one per client); requests then need `x-api-key`. */
  readonly apiKeyNames: string[];
  /** Requests per second and burst per key. @default the stage throttling */
  readonly throttle?: { rateLimit: number; burstLimit: number };
  /** Requests per period per key. @default none */
  readonly quota?: { limit: number; period: "DAY" | "WEEK" | "MONTH" };
}

export interface IngestApiProps {
  /** The streams clients may write to, addressed by name in the path. At least one. */
  readonly streams: IIngestStream[];
  /** @default a deterministic name from the construct path */
  readonly apiName?: string;
  /** Stage name, `[a-zA-Z0-9_]{1,128}`. @default "prod" */
  readonly stageName?: string;
  /** Seconds API Gateway caches an authorizer decision per Authorization header, 0–3600 (0 = none). @default 300 */
  readonly authorizerResultTtlSeconds?: number;
  /** Seconds the authorizer caches the secret per container, 0–3600. @default authorizerResultTtlSeconds */
  readonly secretMaxAgeSeconds?: number;
  /** The Basic-auth credentials secret (created with a random password unless existingSecretArn). @default created */
  readonly credentials?: BasicAuthSecretProps;
  /** Steady-state requests per second across the stage, 1–10,000. @default 100 */
  readonly throttlingRateLimit?: number;
  /** Burst size, 1–5,000. @default 200 */
  readonly throttlingBurstLimit?: number;
  /** Access-log retention in days (a CloudWatch Logs value). @default 365 */
  readonly accessLogRetentionDays?: number;
  /**
   * Manage the region's account-level CloudWatch role API Gateway logs through. It is one per
   * account and region: set false where another stack already sets it. @default true
   */
  readonly manageAccountCloudWatchRole?: boolean;
  /** An optional usage plan with API keys. @default none */
  readonly usagePlan?: UsagePlanProps;
  /** Authorizer function settings. @default 256 MB, 10 s */
  readonly authorizerFunction?: Omit<NodejsFunctionProps, "entry" | "environment">;
  /** Emit the endpoint URL (and API key ids) as outputs. @default true */
  readonly outputs?: boolean;
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

/**
 * `$util.escapeJavaScript` escapes `'` as `\'`, which is not valid JSON; AWS's documented remedy
 * is this replaceAll after it (a Java regex: a backslash followed by a quote).
 */
const UNESCAPE_QUOTE = `.replaceAll("\\\\'","'")`;

/**
 * Kinesis answers errors with HTTP 400 and a `__type`; map each to its own status and a JSON
 * body. AccessDenied means the stream exists but is not bound to this API (the role may write
 * only to bound streams), and is reported exactly like a stream that does not exist.
 */
const KINESIS_ERROR_TEMPLATE = `#set($type = "$input.path('$.__type')")
#set($message = "$input.path('$.message')")
#if($type.contains("ProvisionedThroughputExceeded") || $type.contains("LimitExceeded") || $type.contains("KMSThrottling"))
#set($context.responseOverride.status = 429)
{"error":"Throttled","message":"The stream is at capacity; retry with backoff","requestId":"$context.requestId"}
#elseif($type.contains("ResourceNotFound") || $type.contains("AccessDenied"))
#set($context.responseOverride.status = 404)
{"error":"StreamNotFound","message":"No stream of that name is bound to this API","requestId":"$context.requestId"}
#elseif($type.contains("ValidationException") && $message.contains("length less than or equal to"))
#set($context.responseOverride.status = 413)
{"error":"PayloadTooLarge","message":"A record exceeds the stream's size limit","requestId":"$context.requestId"}
#else
{"error":"BadRequest","message":"$util.escapeJavaScript($message)${UNESCAPE_QUOTE}","requestId":"$context.requestId"}
#end`;

const UPSTREAM_ERROR_TEMPLATE = `{"error":"UpstreamError","message":"The stream service failed; retry with backoff","requestId":"$context.requestId"}`;

/** An event: a JSON object whose `eventId` (the partition key and the table key) the consumer accepts. */
const EVENT_OBJECT = {
  type: "object",
  required: ["eventId"],
  // 256: the longest partition key Kinesis accepts (the eventId is the partition key).
  properties: { eventId: { type: "string", minLength: 1, maxLength: 256 } },
};

export const SUBMIT_SCHEMA = { $schema: "http://json-schema.org/draft-04/schema#", title: "Event", ...EVENT_OBJECT };

export const BATCH_SCHEMA = {
  $schema: "http://json-schema.org/draft-04/schema#",
  title: "EventBatch",
  type: "object",
  required: ["records"],
  additionalProperties: false,
  properties: {
    records: {
      type: "array",
      minItems: 1,
      maxItems: 500,
      items: {
        type: "object",
        required: ["data"],
        additionalProperties: false,
        properties: { data: EVENT_OBJECT },
      },
    },
  },
};

/**
 * A regional REST API in front of Kinesis, behind HTTP Basic auth checked by a Lambda REQUEST
 * authorizer:
 * - `POST /submit/{streamName}/{eventId}`: the body (a JSON event with `eventId`) becomes one
 *   record, partition key `eventId`;
 * - `POST /streams/{streamName}/records`: `{ "records": [{ "data": {…} }] }`, up to 500, via
 *   PutRecords, each partitioned by its `data.eventId`.
 * Requests go straight to Kinesis (no Lambda in the data path), with an API role that may only
 * PutRecord/PutRecords on the bound streams.
 */
export class IngestApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly authorizerFunction: NodejsFunction;
  readonly credentials: BasicAuthSecret;
  readonly apiRole: Role;
  readonly accessLogGroup: LogGroup;
  readonly apiKeys: ApiGatewayApiKey[] = [];
  /** The stage's invoke URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly url: string;
  readonly apiName: string;
  readonly stageName: string;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    if (props.streams.length === 0) throw new ValidationError(this, "streams must name at least one stream; got none");
    const stageName = props.stageName ?? "prod";
    validatePattern(this, "stageName", props.stageName, /^[a-zA-Z0-9_]{1,128}$/, "1–128 characters of [a-zA-Z0-9_]");
    validatePattern(this, "apiName", props.apiName, /^.{1,1024}$/, "1–1024 characters");
    validateRange(this, "authorizerResultTtlSeconds", props.authorizerResultTtlSeconds, { min: 0, max: 3600, unit: "seconds" });
    validateRange(this, "secretMaxAgeSeconds", props.secretMaxAgeSeconds, { min: 0, max: 3600, unit: "seconds" });
    validateRange(this, "throttlingRateLimit", props.throttlingRateLimit, { min: 1, max: 10000, unit: "requests/s" });
    validateRange(this, "throttlingBurstLimit", props.throttlingBurstLimit, { min: 1, max: 5000, unit: "requests" });
    if (props.usagePlan) {
      const plan = props.usagePlan;
      if (plan.apiKeyNames.length === 0) throw new ValidationError(this, "usagePlan.apiKeyNames must name at least one key; got none");
      plan.apiKeyNames.forEach((n, i) => validatePattern(this, `usagePlan.apiKeyNames[${i}]`, n, /^[A-Za-z0-9_.-]{1,128}$/, "1–128 characters of [A-Za-z0-9_.-]"));
      if (plan.throttle) {
        validateRange(this, "usagePlan.throttle.rateLimit", plan.throttle.rateLimit, { min: 1, max: 10000, unit: "requests/s" });
        validateRange(this, "usagePlan.throttle.burstLimit", plan.throttle.burstLimit, { min: 1, max: 5000, unit: "requests" });
      }
      if (plan.quota) {
        validateRange(this, "usagePlan.quota.limit", plan.quota.limit, { min: 1, max: 2147483647, unit: "requests" });
        validateOneOf(this, "usagePlan.quota.period", plan.quota.period, ["DAY", "WEEK", "MONTH"]);
      }
    }
    const names = props.streams.map((s) => s.streamName);
    if (new Set(names).size !== names.length) throw new ValidationError(this, `streams must be distinct; got ${names.join(", ")}`);

    const ttl = props.authorizerResultTtlSeconds ?? 300;
    this.stageName = stageName;
    this.apiName = props.apiName ?? uniqueName(this, 128);
    const { region, accountId, partition } = AwsEnvironment.of(this);

    // --- API, credentials and authorizer ---------------------------------------------------
    this.api = new ApiGatewayRestApi(this, "Api", {
      name: this.apiName,
      description: "Streaming ingest: HTTPS + Basic auth into Kinesis",
      endpointConfiguration: { types: ["REGIONAL"] },
      // A replacement API comes up before the old one goes (REST API names need not be unique).
      lifecycle: { createBeforeDestroy: true },
    });
    this.credentials = new BasicAuthSecret(this, "Credentials", props.credentials);
    this.authorizerFunction = new NodejsFunction(this, "Authorizer", {
      description: "Basic-auth REQUEST authorizer of the ingest API",
      timeout: Duration.seconds(10),
      ...props.authorizerFunction,
      entry: "authorizer",
      environment: {
        SECRET_ID: this.credentials.secretArn,
        SECRET_MAX_AGE_SECONDS: String(props.secretMaxAgeSeconds ?? ttl),
        POWERTOOLS_SERVICE_NAME: "authorizer",
        POWERTOOLS_METRICS_NAMESPACE: "StreamingIngest",
        POWERTOOLS_LOGGER_LOG_EVENT: "false",
      },
    });
    this.credentials.grantRead(this.authorizerFunction);
    skipCheckov(this.authorizerFunction.resource, "CKV_AWS_116", "Invoked synchronously by API Gateway: there are no asynchronous invocations to dead-letter");
    if (props.authorizerFunction?.reservedConcurrentExecutions === undefined) {
      skipCheckov(this.authorizerFunction.resource, "CKV_AWS_115", "Bounded by the stage throttling and the authorizer result cache; reserving it would only take capacity from the account pool");
    }
    const authorizer = new ApiGatewayAuthorizer(this, "BasicAuthorizer", {
      name: "basic-auth",
      restApiId: this.api.id,
      type: "REQUEST",
      identitySource: "method.request.header.Authorization",
      authorizerUri: this.authorizerFunction.resource.invokeArn,
      authorizerResultTtlInSeconds: ttl,
    });
    // Only this API's authorizer may invoke the function.
    this.authorizerFunction.allowInvokeFromService("ApiInvoke", "apigateway.amazonaws.com", `${this.api.executionArn}/authorizers/${authorizer.id}`);

    // --- The API's role into Kinesis: PutRecord/PutRecords on the bound streams, nothing else -----
    this.apiRole = new Role(this, "KinesisRole", {
      description: `API Gateway ${this.apiName} writes to its bound Kinesis streams`,
      assumedBy: Trust.service("apigateway.amazonaws.com", { StringEquals: { "aws:SourceAccount": accountId } }),
    });
    for (const stream of props.streams) stream.grantWrite(this.apiRole);

    // --- Routes ------------------------------------------------------------------------------
    const validator = new ApiGatewayRequestValidator(this, "BodyValidator", {
      restApiId: this.api.id,
      name: "body-and-parameters",
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const model = (name: string, schema: object) =>
      new ApiGatewayModel(this, `${name}Model`, { restApiId: this.api.id, name, contentType: JSON_CT, schema: JSON.stringify(schema) });
    const submitModel = model("Event", SUBMIT_SCHEMA);
    const batchModel = model("EventBatch", BATCH_SCHEMA);

    const resource = (idPart: string, parentId: string, pathPart: string) =>
      new ApiGatewayResource(this, idPart, { restApiId: this.api.id, parentId, pathPart });
    const submit = resource("Submit", this.api.rootResourceId, "submit");
    const submitStream = resource("SubmitStream", submit.id, "{streamName}");
    const submitEvent = resource("SubmitEvent", submitStream.id, "{eventId}");
    const streamsRes = resource("Streams", this.api.rootResourceId, "streams");
    const streamRes = resource("StreamsStream", streamsRes.id, "{streamName}");
    const recordsRes = resource("StreamRecords", streamRes.id, "records");

    const escapedStream = `$util.escapeJavaScript($input.params('streamName'))${UNESCAPE_QUOTE}`;
    // Size: Kinesis refuses a record over 1 MiB (mapped to 413), API Gateway a body over 10 MB (413 too).
    const putRecordTemplate = `{"StreamName":"${escapedStream}","PartitionKey":"$util.escapeJavaScript($input.params('eventId'))${UNESCAPE_QUOTE}","Data":"$util.base64Encode($input.body)"}`;
    const putRecordsTemplate = `{"StreamName":"${escapedStream}","Records":[#foreach($record in $input.path('$.records'))#set($i = $foreach.index)
{"PartitionKey":"$util.escapeJavaScript($input.path("$.records[$i].data.eventId"))${UNESCAPE_QUOTE}","Data":"$util.base64Encode($input.json("$.records[$i].data"))"}#if($foreach.hasNext),#end#end]}`;
    const routeParts: TerraformResource[] = [submit, submitStream, submitEvent, streamsRes, streamRes, recordsRes, submitModel, batchModel, validator, authorizer];
    const addRoute = (name: string, res: ApiGatewayResource, params: string[], action: string, modelName: string, template: string, okTemplate: string) => {
      const method = new ApiGatewayMethod(this, `${name}Method`, {
        restApiId: this.api.id,
        resourceId: res.id,
        httpMethod: "POST",
        authorization: "CUSTOM",
        authorizerId: authorizer.id,
        apiKeyRequired: props.usagePlan !== undefined,
        requestValidatorId: validator.id,
        requestModels: { [JSON_CT]: modelName },
        requestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
      });
      const integration = new ApiGatewayIntegration(this, `${name}Integration`, {
        restApiId: this.api.id,
        resourceId: res.id,
        httpMethod: method.httpMethod,
        type: "AWS",
        integrationHttpMethod: "POST",
        // From the provider's region, not a hard-coded one.
        uri: `arn:${partition}:apigateway:${region}:kinesis:action/${action}`,
        credentials: this.apiRole.roleArn,
        passthroughBehavior: "NEVER",
        requestParameters: { "integration.request.header.Content-Type": "'application/x-amz-json-1.1'" },
        requestTemplates: { [JSON_CT]: template },
      });
      const responses: Array<[status: string, pattern: string | undefined, template: string]> = [
        ["200", undefined, okTemplate],
        ["400", "4\\d{2}", KINESIS_ERROR_TEMPLATE],
        ["502", "5\\d{2}", UPSTREAM_ERROR_TEMPLATE],
      ];
      routeParts.push(method, integration);
      for (const status of ["200", "400", "404", "413", "429", "502"]) {
        routeParts.push(
          new ApiGatewayMethodResponse(this, `${name}Response${status}`, {
            restApiId: this.api.id,
            resourceId: res.id,
            httpMethod: method.httpMethod,
            statusCode: status,
            responseModels: { [JSON_CT]: "Empty" },
          }),
        );
      }
      for (const [status, pattern, responseTemplate] of responses) {
        routeParts.push(
          new ApiGatewayIntegrationResponse(this, `${name}Integration${status}`, {
            restApiId: this.api.id,
            resourceId: res.id,
            httpMethod: method.httpMethod,
            statusCode: status,
            selectionPattern: pattern,
            responseTemplates: { [JSON_CT]: responseTemplate },
            dependsOn: [integration],
          }),
        );
      }
    };
    addRoute("Submit", submitEvent, ["streamName", "eventId"], "PutRecord", submitModel.name, putRecordTemplate,
      `{"sequenceNumber":"$input.path('$.SequenceNumber')","shardId":"$input.path('$.ShardId')"}`);
    addRoute("PutRecords", recordsRes, ["streamName"], "PutRecords", batchModel.name, putRecordsTemplate,
      `{"failedRecordCount":$input.path('$.FailedRecordCount'),"records":$input.json('$.Records')}`);

    for (const [type, status, error, message] of GATEWAY_RESPONSES) {
      routeParts.push(
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
    }

    // --- Logging, deployment, stage ------------------------------------------------------------
    const dependsOnAccount: TerraformResource[] = [];
    if (props.manageAccountCloudWatchRole ?? true) {
      const cwRole = new Role(this, "CloudWatchRole", {
        description: "API Gateway's account-level role for writing logs",
        assumedBy: Trust.service("apigateway.amazonaws.com", { StringEquals: { "aws:SourceAccount": accountId } }),
      });
      // The account role serves every API in this account and region, so it is scoped to the
      // region's log groups (access logs and API-Gateway-Execution-Logs_*), not to this API's.
      cwRole.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogGroups",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
            "logs:GetLogEvents",
            "logs:FilterLogEvents",
          ],
          resources: [`arn:${partition}:logs:${region}:${accountId}:log-group:*`],
        }),
      );
      dependsOnAccount.push(
        new ApiGatewayAccount(this, "AccountSettings", { cloudwatchRoleArn: cwRole.roleArn, dependsOn: cwRole.policyDependables }),
      );
    }
    this.accessLogGroup = new LogGroup(this, "AccessLogs", {
      logGroupName: `/aws/apigateway/${this.apiName}/${stageName}/access`,
      retentionDays: props.accessLogRetentionDays,
    });

    const deployment = new ApiGatewayDeployment(this, "Deployment", {
      restApiId: this.api.id,
      description: "Redeployed when any route, model, template or response changes",
      // A hash of every part of the API's shape as configured here (paths, methods, templates,
      // models, responses): any change makes a new deployment. Hashed at synth, not over the
      // resources' state, so what the API merely reports back (empty lists and maps) never
      // looks like a change and a second plan stays clean.
      triggers: { redeployment: Lazy.stringValue({ produce: (context) => configurationHash(context, routeParts) }) },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: routeParts,
    });
    this.stage = new ApiGatewayStage(this, "Stage", {
      restApiId: this.api.id,
      deploymentId: deployment.id,
      stageName,
      xrayTracingEnabled: true,
      accessLogSettings: {
        destinationArn: this.accessLogGroup.logGroupArn,
        format: JSON.stringify({
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
        }),
      },
      dependsOn: dependsOnAccount,
    });
    const stageSettings = new ApiGatewayMethodSettings(this, "StageSettings", {
      restApiId: this.api.id,
      stageName: this.stage.stageName,
      methodPath: "*/*",
      settings: {
        metricsEnabled: true,
        // ERROR only: INFO execution logs (and data tracing) would write request bodies and headers.
        loggingLevel: "ERROR",
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttlingRateLimit ?? 100,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
      },
    });
    skipCheckov(stageSettings, "CKV_AWS_225", "Every route is a write (POST into Kinesis): cached responses would drop records");
    this.url = this.stage.invokeUrl;
    skipCheckov(this.stage, "CKV2_AWS_51", "Client certificates authenticate API Gateway to HTTP backends; the only backend here is Kinesis, called with SigV4 through the API's role");
    skipCheckov(this.stage, "CKV_AWS_120", "Every route is a write (POST into Kinesis): cached responses would drop records");
    skipCheckov(this.stage, "CKV2_AWS_29", "WAF is an account-level choice (rule sets, cost); requests already need Basic auth, pass JSON-schema validation and stage throttling. Associate a web ACL with the stage ARN if policy requires one");

    if (props.usagePlan) this.addUsagePlan(props.usagePlan, props.outputs ?? true);
    if (props.outputs ?? true) {
      const out = (suffix: string) => `${id.replace(/[^A-Za-z0-9_]/g, "_")}_${suffix}`;
      new TerraformOutput(this, "UrlOutput", { value: this.url, description: "Ingest API endpoint (stage URL)" }).overrideLogicalId(out("url"));
      new TerraformOutput(this, "SecretOutput", {
        value: this.credentials.secretArn,
        description: "Secrets Manager secret holding the Basic-auth username and password",
      }).overrideLogicalId(out("credentials_secret_arn"));
    }
  }

  private addUsagePlan(plan: UsagePlanProps, outputs: boolean): void {
    const usagePlan = new ApiGatewayUsagePlan(this, "UsagePlan", {
      name: `${this.apiName}-plan`,
      apiStages: [{ apiId: this.api.id, stage: this.stage.stageName }],
      throttleSettings: plan.throttle ? { rateLimit: plan.throttle.rateLimit, burstLimit: plan.throttle.burstLimit } : undefined,
      quotaSettings: plan.quota ? { limit: plan.quota.limit, period: plan.quota.period } : undefined,
    });
    for (const name of plan.apiKeyNames) {
      const key = new ApiGatewayApiKey(this, `ApiKey-${name}`, { name, description: `Ingest API key for ${name}` });
      new ApiGatewayUsagePlanKey(this, `ApiKeyPlan-${name}`, { keyId: key.id, keyType: "API_KEY", usagePlanId: usagePlan.id });
      this.apiKeys.push(key);
    }
    if (outputs) {
      new TerraformOutput(this, "ApiKeyValues", {
        value: Object.fromEntries(this.apiKeys.map((k, i) => [plan.apiKeyNames[i], k.value])),
        description: "API key per client (send as x-api-key)",
        sensitive: true,
      }).overrideLogicalId(`${this.node.id.replace(/[^A-Za-z0-9_]/g, "_")}_api_keys`);
    }
  }

  metric(metricName: string, options: MetricOptions = {}): Metric {
    return Metric.of("AWS/ApiGateway", metricName, { ApiName: this.apiName, Stage: this.stageName }, options);
  }

  /** Client errors, 4xx (Sum). */
  metricClientError(options: MetricOptions = {}): Metric {
    return this.metric("4XXError", { statistic: "Sum", ...options });
  }

  /** Server errors, 5xx (Sum). */
  metricServerError(options: MetricOptions = {}): Metric {
    return this.metric("5XXError", { statistic: "Sum", ...options });
  }

  /** End-to-end latency, ms (Average). */
  metricLatency(options: MetricOptions = {}): Metric {
    return this.metric("Latency", { statistic: "Average", ...options });
  }

  /** Requests (Sum). */
  metricCount(options: MetricOptions = {}): Metric {
    return this.metric("Count", { statistic: "Sum", ...options });
  }
}

/** SHA-256 of resources' synthesized configuration: references stay as `${…}` text, so it is known at synth. */
function configurationHash(context: IResolveContext, resources: TerraformResource[]): string {
  const config = context.resolve(resources.map((r) => r.toTerraform()));
  return createHash("sha256").update(JSON.stringify(config)).digest("hex");
}
