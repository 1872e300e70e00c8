import { ApiGatewayAccountLogging, BATCH_SCHEMA, DataStream, Duration, IIngestRoute, IngestApi, KinesisPutRecordRoute, KinesisPutRecordsRoute, StreamEncryption, SUBMIT_SCHEMA } from "../../../modules";
import { TerraformResource } from "cdktf";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";
import { build as buildWithRoutes, ordersRoute } from "./kinesis-route-fixture";

function build(props: Partial<ConstructorParameters<typeof IngestApi>[2]> = {}, opts: { streamEncryption?: StreamEncryption; extraStream?: boolean } = {}) {
  const { stack } = newStack();
  const stream = new DataStream(stack, "Stream", { streamName: "events", encryption: opts.streamEncryption, alarms: false, outputs: false });
  const streams = [stream];
  if (opts.extraStream) streams.push(new DataStream(stack, "Other", { streamName: "audit", alarms: false, outputs: false }));
  const api = new IngestApi(stack, "Api", {
    streams,
    apiName: "ingest",
    credentials: { secretName: "ingest/basic-auth" },
    authorizerFunction: { functionName: "authorizer" },
    ...props,
  });
  return { stack, api, json: synth(stack) };
}
/** The default API's JSON, synthesized once: the tests that read it never change it. */
let defaultSynth: ReturnType<typeof build>["json"] | undefined;
const defaultJson = () => (defaultSynth ??= build().json);
const idOf = (json: any, type: string, pred: (r: any) => boolean = () => true) =>
  Object.entries(resourcesOf(json, type)).find(([, r]) => pred(r))![0];
const policyOfRole = (json: any, roleIdPart: string) =>
  policyOf(Object.entries(resourcesOf(json, "aws_iam_role_policy")).find(([k]) => k.includes(roleIdPart))![1] as any);

describe("IngestApi routes", () => {
  it("is a regional REST API with /submit/{streamName}/{eventId} and /streams/{streamName}/records", () => {
    const json = defaultJson();
    expect(onlyResource(json, "aws_api_gateway_rest_api")).toMatchObject({ name: "ingest", endpoint_configuration: { types: ["REGIONAL"] } });
    const resources = resourcesOf(json, "aws_api_gateway_resource");
    const pathOf = (key: string): string => {
      const r = resources[key];
      const parent = /aws_api_gateway_resource\.(\w+)\.id/.exec(r.parent_id);
      return `${parent ? pathOf(parent[1]) : ""}/${r.path_part}`;
    };
    expect(Object.keys(resources).map(pathOf).sort()).toEqual([
      "/streams", "/streams/{streamName}", "/streams/{streamName}/records", "/submit", "/submit/{streamName}", "/submit/{streamName}/{eventId}",
    ]);
  });

  it("sends POST /submit to Kinesis PutRecord, partitioned by eventId, through a URI built from the provider's region", () => {
    const json = defaultJson();
    const integration = Object.values(resourcesOf(json, "aws_api_gateway_integration")).find((i) => i.uri.endsWith("PutRecord"));
    expect(integration).toMatchObject({
      type: "AWS",
      integration_http_method: "POST",
      http_method: expect.stringMatching(/^\$\{aws_api_gateway_method\.Api_SubmitMethod_\w+\.http_method\}$/),
      passthrough_behavior: "NEVER",
      request_parameters: { "integration.request.header.Content-Type": "'application/x-amz-json-1.1'" },
    });
    // The test stack's provider is in eu-west-1: region and partition come from it, no data source.
    expect(integration.uri).toBe("arn:aws:apigateway:eu-west-1:kinesis:action/PutRecord");
    const template = integration.request_templates["application/json"];
    // escapeJavaScript turns ' into \', invalid in JSON: AWS's documented replaceAll undoes it.
    expect(template).toContain(`"PartitionKey":"$util.escapeJavaScript($input.params('eventId')).replaceAll("\\\\'","'")"`);
    expect(template).toContain(`"Data":"$util.base64Encode($input.body)"`);
    expect(template).toContain(`"StreamName":"$util.escapeJavaScript($input.params('streamName')).replaceAll("\\\\'","'")"`);
  });

  it("sends POST /streams/{streamName}/records to PutRecords, each record partitioned by its eventId", () => {
    const json = defaultJson();
    const integration = Object.values(resourcesOf(json, "aws_api_gateway_integration")).find((i) => i.uri.endsWith("PutRecords"));
    const template: string = integration.request_templates["application/json"];
    expect(template).toContain("#foreach($record in $input.path('$.records'))");
    expect(template).toContain(`"PartitionKey":"$util.escapeJavaScript($input.path("$.records[$i].data.eventId")).replaceAll("\\\\'","'")"`);
    expect(template).toContain(`"Data":"$util.base64Encode($input.json("$.records[$i].data"))"`);
  });

  it("validates bodies against JSON models: an event with eventId, or 1–500 records of events", () => {
    const json = defaultJson();
    const models = Object.values(resourcesOf(json, "aws_api_gateway_model"));
    expect(models.map((m) => [m.name, JSON.parse(m.schema)])).toEqual([
      ["EventBatch", BATCH_SCHEMA],
      ["Event", SUBMIT_SCHEMA],
    ]);
    expect(BATCH_SCHEMA.properties.records).toMatchObject({ minItems: 1, maxItems: 500 });
    expect(SUBMIT_SCHEMA.properties.eventId).toEqual({ type: "string", minLength: 1, maxLength: 256 });
    expect(onlyResource(json, "aws_api_gateway_request_validator")).toMatchObject({ validate_request_body: true, validate_request_parameters: true });
    for (const m of Object.values(resourcesOf(json, "aws_api_gateway_method"))) {
      expect(m).toMatchObject({ authorization: "CUSTOM", request_validator_id: expect.stringContaining("aws_api_gateway_request_validator"), api_key_required: false });
      expect(Object.keys(m.request_models)).toEqual(["application/json"]);
    }
  });

  it("maps Kinesis errors to JSON: throughput to 429, unknown or unbound stream to 404, oversize to 413, 5xx to 502", () => {
    const json = defaultJson();
    const responses = Object.values(resourcesOf(json, "aws_api_gateway_integration_response"));
    expect(responses.map((r) => [r.status_code, r.selection_pattern]).sort()).toEqual([
      ["200", undefined], ["200", undefined], ["400", "4\\d{2}"], ["400", "4\\d{2}"], ["502", "5\\d{2}"], ["502", "5\\d{2}"],
    ]);
    const errorTemplate: string = responses.find((r) => r.status_code === "400").response_templates["application/json"];
    expect(errorTemplate).toMatch(/ProvisionedThroughputExceeded[\s\S]*responseOverride\.status = 429/);
    expect(errorTemplate).toMatch(/ResourceNotFound[\s\S]*AccessDenied[\s\S]*responseOverride\.status = 404[\s\S]*"error":"StreamNotFound"/);
    expect(errorTemplate).toMatch(/responseOverride\.status = 413/);
    expect(Object.values(resourcesOf(json, "aws_api_gateway_method_response")).map((r) => r.status_code).sort()).toEqual(
      ["200", "200", "400", "400", "404", "404", "413", "413", "429", "429", "502", "502"],
    );
  });

  it("answers every gateway error with JSON, and 401 with a Basic challenge", () => {
    const json = defaultJson();
    const responses = Object.values(resourcesOf(json, "aws_api_gateway_gateway_response"));
    expect(responses.map((r) => r.response_type).sort()).toEqual(
      ["ACCESS_DENIED", "BAD_REQUEST_BODY", "DEFAULT_4XX", "DEFAULT_5XX", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "THROTTLED", "UNAUTHORIZED"],
    );
    for (const r of responses) expect(r.response_templates["application/json"]).toMatch(/^\{"error":"\w+","message":(".*"|\$context\.error\.messageString),"requestId":"\$context\.requestId"\}$/);
    const unauthorized = responses.find((r) => r.response_type === "UNAUTHORIZED");
    expect(unauthorized.response_parameters).toEqual({ "gatewayresponse.header.WWW-Authenticate": `'Basic realm="ingest", charset="UTF-8"'` });
    expect(responses.find((r) => r.response_type === "BAD_REQUEST_BODY").response_templates["application/json"]).toContain("$context.error.validationErrorString");
  });
});

describe("IngestApi permissions", () => {
  it("gives the API role only PutRecord and PutRecords on the bound streams, trusted for this account only", () => {
    const json = build({}, { extraStream: true }).json;
    const streamIds = Object.keys(json.resource.aws_kinesis_stream).map((k) => `\${aws_kinesis_stream.${k}.arn}`);
    expect(policyOfRole(json, "KinesisRole")).toEqual({
      Version: "2012-10-17",
      Statement: streamIds.map((Resource) => ({ Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords"], Resource })).reverse(),
    });
    const role = Object.entries(resourcesOf(json, "aws_iam_role")).find(([k]) => k.includes("KinesisRole"))![1] as any;
    expect(policyOf(role, "assume_role_policy").Statement[0]).toMatchObject({
      Principal: { Service: ["apigateway.amazonaws.com"] },
      Condition: { StringEquals: { "aws:SourceAccount": expect.stringMatching(/^\$\{data\.aws_caller_identity\.\w+\.account_id\}$/) } },
    });
  });

  it("adds kms:GenerateDataKey when a stream uses a customer key", () => {
    const json = build({}, { streamEncryption: StreamEncryption.CUSTOMER_MANAGED }).json;
    const statements = policyOfRole(json, "KinesisRole").Statement;
    expect(statements[1]).toEqual({ Effect: "Allow", Action: "kms:GenerateDataKey", Resource: expect.stringMatching(/^\$\{aws_kms_key\.Stream_Key_\w+\.arn\}$/) });
  });

  it("lets only this API's authorizer invoke the authorizer function", () => {
    const json = defaultJson();
    expect(onlyResource(json, "aws_lambda_permission")).toEqual(
      expect.objectContaining({
        action: "lambda:InvokeFunction",
        principal: "apigateway.amazonaws.com",
        source_arn: `\${aws_api_gateway_rest_api.${idOf(json, "aws_api_gateway_rest_api")}.execution_arn}/authorizers/\${aws_api_gateway_authorizer.${idOf(json, "aws_api_gateway_authorizer")}.id}`,
      }),
    );
  });

  it("lets the authorizer read only its secret, and decrypt only with that secret's key", () => {
    const json = defaultJson();
    const statements = policyOfRole(json, "Authorizer_ServiceRole").Statement;
    expect(statements.slice(2)).toEqual([
      { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `\${aws_secretsmanager_secret.${idOf(json, "aws_secretsmanager_secret")}.arn}` },
      { Effect: "Allow", Action: "kms:Decrypt", Resource: `\${aws_kms_key.${idOf(json, "aws_kms_key")}.arn}` },
    ]);
  });

  it("leaves the account-level logging setting alone (one per account and region), and waits for it when given", () => {
    expect(resourcesOf(defaultJson(), "aws_api_gateway_account")).toEqual({});
    const { stack } = newStack();
    const accountLogging = new ApiGatewayAccountLogging(stack, "ApiGatewayAccount");
    const api = new IngestApi(stack, "Api", { streams: [new DataStream(stack, "Stream", { streamName: "events", alarms: false, outputs: false })], accountLogging });
    const json = synth(stack);
    expect(onlyResource(json, "aws_api_gateway_stage").depends_on).toContain(`aws_api_gateway_account.${idOf(json, "aws_api_gateway_account")}`);
    expect(api.stage).toBeDefined();
  });
});

describe("IngestApi authorizer, stage and deployment", () => {
  it("authorizes with a REQUEST authorizer on the Authorization header, caching 300 s by default", () => {
    expect(onlyResource(defaultJson(), "aws_api_gateway_authorizer")).toMatchObject({
      type: "REQUEST",
      identity_source: "method.request.header.Authorization",
      authorizer_result_ttl_in_seconds: 300,
      authorizer_uri: expect.stringMatching(/^\$\{aws_lambda_function\.Api_Authorizer_\w+\.invoke_arn\}$/),
    });
  });

  it("passes the TTL (0 allowed) and the secret to the authorizer function", () => {
    const json = build({ authorizerResultsCacheTtl: Duration.seconds(0) }).json;
    expect(onlyResource(json, "aws_api_gateway_authorizer").authorizer_result_ttl_in_seconds).toBe(0);
    expect(onlyResource(json, "aws_lambda_function")).toMatchObject({
      function_name: "authorizer",
      timeout: 10,
      environment: { variables: { SECRET_ID: expect.stringContaining("aws_secretsmanager_secret"), SECRET_MAX_AGE_SECONDS: "0", POWERTOOLS_LOGGER_LOG_EVENT: "false" } },
    });
  });

  it("keeps the previous credentials valid for a day after a change by default, or for the grace period given (0: a cutover)", () => {
    const graceOf = (props: Parameters<typeof build>[0]) => onlyResource(build(props).json, "aws_lambda_function").environment.variables.PREVIOUS_CREDENTIALS_GRACE_SECONDS;
    expect(graceOf({})).toBe("86400");
    expect(graceOf({ previousCredentialsGracePeriod: Duration.hours(2) })).toBe("7200");
    expect(graceOf({ previousCredentialsGracePeriod: Duration.seconds(0) })).toBe("0");
  });

  it("stages as prod with JSON access logs (retention set), X-Ray, ERROR-only execution logs and throttling", () => {
    const json = defaultJson();
    const stage = onlyResource(json, "aws_api_gateway_stage");
    expect(stage).toMatchObject({ stage_name: "prod", xray_tracing_enabled: true });
    const format = JSON.parse(stage.access_log_settings.format);
    expect(format).toMatchObject({ requestId: "$context.requestId", status: "$context.status", ip: "$context.identity.sourceIp" });
    const logGroup = Object.values(resourcesOf(json, "aws_cloudwatch_log_group")).find((g) => g.name.includes("apigateway"));
    expect(logGroup).toMatchObject({ name: "/aws/apigateway/ingest/prod/access", retention_in_days: 365 });
    expect(onlyResource(json, "aws_api_gateway_method_settings")).toMatchObject({
      method_path: "*/*",
      settings: { metrics_enabled: true, logging_level: "ERROR", data_trace_enabled: false, throttling_rate_limit: 100, throttling_burst_limit: 200 },
    });
    expect(stage.depends_on).toEqual([expect.stringMatching(/^aws_cloudwatch_log_group\.Api_ExecutionLogs_/)]);
  });

  it("creates the stage's execution-log group itself, with the retention, before the stage (API Gateway would keep it forever)", () => {
    const json = build({ accessLogRetentionDays: 30 }).json;
    const [address, group] = Object.entries(resourcesOf(json, "aws_cloudwatch_log_group")).find(([, g]) => g.name.startsWith("API-Gateway-Execution-Logs_"))!;
    expect(group).toEqual(expect.objectContaining({ name: expect.stringMatching(/^API-Gateway-Execution-Logs_\$\{aws_api_gateway_rest_api\.Api_\w+\.id\}\/prod$/), retention_in_days: 30 }));
    expect(onlyResource(json, "aws_api_gateway_stage").depends_on).toContain(`aws_cloudwatch_log_group.${address}`);
  });

  it("takes the stage name and throttling", () => {
    const json = build({ stageName: "v1", throttlingRateLimit: 50, throttlingBurstLimit: 10 }).json;
    expect(onlyResource(json, "aws_api_gateway_stage").stage_name).toBe("v1");
    expect(onlyResource(json, "aws_api_gateway_method_settings").settings).toMatchObject({ throttling_rate_limit: 50, throttling_burst_limit: 10 });
  });

  it("redeploys whenever any part of the API's shape changes", () => {
    const json = defaultJson();
    const deployment = onlyResource(json, "aws_api_gateway_deployment");
    // A literal hash, known at synth: nothing the API reports back after apply can change it.
    expect(deployment.triggers.redeployment).toMatch(/^[0-9a-f]{64}$/);
    expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
    const hashOf = (props: Parameters<typeof build>[0]) => onlyResource(build(props).json, "aws_api_gateway_deployment").triggers.redeployment;
    expect(hashOf({})).toBe(deployment.triggers.redeployment);
    // Any part of the shape: a template (through the stage's stream name), a model, the authorizer's TTL.
    expect(hashOf({ authorizerResultsCacheTtl: Duration.minutes(1) })).not.toBe(deployment.triggers.redeployment);
    expect(hashOf({ usagePlan: { apiKeyNames: ["a"] } })).not.toBe(deployment.triggers.redeployment);
  });

  it("outputs the endpoint URL and the secret's ARN", () => {
    const json = defaultJson();
    expect(json.output!.Api_url.value).toMatch(/^\$\{aws_api_gateway_stage\.\w+\.invoke_url\}$/);
    expect(json.output!.Api_credentials_secret_arn.value).toMatch(/aws_secretsmanager_secret/);
  });

  it("outputs each value once, named <construct id>_<what> with the id made a Terraform name", () => {
    const json = build({ usagePlan: { apiKeyNames: ["partner-a"] } }).json;
    expect(Object.keys(json.output!).sort()).toEqual(["Api_api_keys", "Api_credentials_secret_arn", "Api_url"]);
    expect(json.output!.Api_api_keys.value).toEqual({ "partner-a": expect.stringMatching(/^\$\{aws_api_gateway_api_key\.[\w-]+\.value\}$/) });
    expect(build({ outputs: false, usagePlan: { apiKeyNames: ["partner-a"] } }).json.output).toBeUndefined();
    const { stack } = newStack();
    new IngestApi(stack, "Ingest Api", { streams: [new DataStream(stack, "Stream", { streamName: "events", alarms: false, outputs: false })] });
    expect(Object.keys(synth(stack).output!).sort()).toEqual(["Ingest_Api_credentials_secret_arn", "Ingest_Api_url"]);
  });

  it("adds a usage plan with API keys, and requires a key on every method", () => {
    const json = build({ usagePlan: { apiKeyNames: ["partner-a", "partner-b"], throttle: { rateLimit: 10, burstLimit: 20 }, quota: { limit: 100000, period: "DAY" } } }).json;
    expect(onlyResource(json, "aws_api_gateway_usage_plan")).toMatchObject({
      throttle_settings: { rate_limit: 10, burst_limit: 20 },
      quota_settings: { limit: 100000, period: "DAY" },
    });
    expect(Object.values(resourcesOf(json, "aws_api_gateway_api_key")).map((k) => k.name)).toEqual(["partner-a", "partner-b"]);
    expect(Object.keys(resourcesOf(json, "aws_api_gateway_usage_plan_key"))).toHaveLength(2);
    for (const m of Object.values(resourcesOf(json, "aws_api_gateway_method"))) expect(m.api_key_required).toBe(true);
    expect(json.output!.Api_api_keys.sensitive).toBe(true);
  });

  it("gives each partner a usage plan of its own: its own rate, burst and quota for its own keys", () => {
    const json = build({
      partnerPlans: [
        { name: "acme", apiKeyNames: ["acme-eu", "acme-us"], throttle: { rateLimit: 50, burstLimit: 100 }, quota: { limit: 1_000_000, period: "DAY" } },
        { name: "globex", apiKeyNames: ["globex"], throttle: { rateLimit: 5, burstLimit: 10 } },
      ],
    }).json;
    const plans = Object.entries(resourcesOf(json, "aws_api_gateway_usage_plan"));
    const planOf = (suffix: string) => plans.find(([, p]) => p.name.endsWith(`-${suffix}`))!;
    expect(planOf("acme")[1]).toMatchObject({ throttle_settings: { rate_limit: 50, burst_limit: 100 }, quota_settings: { limit: 1_000_000, period: "DAY" } });
    expect(planOf("globex")[1]).toMatchObject({ throttle_settings: { rate_limit: 5, burst_limit: 10 } });
    expect(planOf("globex")[1].quota_settings).toBeUndefined();
    // Each key is attached to its partner's plan only.
    const keyIdByName = Object.fromEntries(Object.entries(resourcesOf(json, "aws_api_gateway_api_key")).map(([id, k]) => [k.name, id]));
    const attachments = Object.values(resourcesOf(json, "aws_api_gateway_usage_plan_key")).map((k: any) => [k.key_id, k.usage_plan_id]);
    expect(attachments).toEqual(
      expect.arrayContaining([
        [`\${aws_api_gateway_api_key.${keyIdByName["acme-eu"]}.id}`, `\${aws_api_gateway_usage_plan.${planOf("acme")[0]}.id}`],
        [`\${aws_api_gateway_api_key.${keyIdByName["acme-us"]}.id}`, `\${aws_api_gateway_usage_plan.${planOf("acme")[0]}.id}`],
        [`\${aws_api_gateway_api_key.${keyIdByName.globex}.id}`, `\${aws_api_gateway_usage_plan.${planOf("globex")[0]}.id}`],
      ]),
    );
    expect(attachments).toHaveLength(3);
    for (const m of Object.values(resourcesOf(json, "aws_api_gateway_method"))) expect(m.api_key_required).toBe(true);
  });

  it.each([
    ["no streams", { streams: [] }, "streams must name at least one stream; got none"],
    ["a partner plan with a bad name", { partnerPlans: [{ name: "a b", apiKeyNames: ["k"] }] }, 'partnerPlans[0].name must be 1–64 characters of [A-Za-z0-9_-]; got "a b"'],
    ["two partner plans of one name", { partnerPlans: [{ name: "p", apiKeyNames: ["k1"] }, { name: "p", apiKeyNames: ["k2"] }] }, 'partnerPlans names must be unique; "p" is given twice'],
    ["a key in two plans", { usagePlan: { apiKeyNames: ["k"] }, partnerPlans: [{ name: "p", apiKeyNames: ["k"] }] }, 'API key names must be unique across usagePlan and partnerPlans; "k" is given twice'],
    ["a partner plan's rate of 0", { partnerPlans: [{ name: "p", apiKeyNames: ["k"], throttle: { rateLimit: 0, burstLimit: 1 } }] }, "partnerPlans[0].throttle.rateLimit must be a whole number from 1 to 10000"],
    ["a TTL of 3601 s", { authorizerResultsCacheTtl: Duration.seconds(3601) }, "authorizerResultsCacheTtl must be a whole number from 0 to 3600 seconds; got 3601 (3601 seconds)"],
    ["a TTL of 2 hours", { authorizerResultsCacheTtl: Duration.hours(2) }, "authorizerResultsCacheTtl must be a whole number from 0 to 3600 seconds; got 7200 (2 hours)"],
    ["a TTL of part of a second", { authorizerResultsCacheTtl: Duration.millis(1500) }, "authorizerResultsCacheTtl must be a whole number from 0 to 3600 seconds; got 1.5 (1500 milliseconds)"],
    ["a secret max age of 61 minutes", { secretMaxAge: Duration.minutes(61) }, "secretMaxAge must be a whole number from 0 to 3600 seconds; got 3660 (61 minutes)"],
    ["a grace period of 31 days", { previousCredentialsGracePeriod: Duration.days(31) }, "previousCredentialsGracePeriod must be a whole number from 0 to 2592000 seconds; got 2678400 (31 days)"],
    ["a stage name with a dash", { stageName: "my-stage" }, 'stageName must be 1–128 characters of [a-zA-Z0-9_]; got "my-stage"'],
    ["a rate of 0", { throttlingRateLimit: 0 }, "throttlingRateLimit must be a whole number from 1 to 10000 requests/s; got 0"],
    ["a burst of 5001", { throttlingBurstLimit: 5001 }, "throttlingBurstLimit must be a whole number from 1 to 5000 requests; got 5001"],
    ["a usage plan without keys", { usagePlan: { apiKeyNames: [] } }, "usagePlan.apiKeyNames must name at least one key; got none"],
    ["a bad quota period", { usagePlan: { apiKeyNames: ["a"], quota: { limit: 1, period: "YEAR" as never } } }, 'usagePlan.quota.period must be one of DAY, WEEK, MONTH; got "YEAR"'],
  ])("rejects %s", (_label, props, message) => {
    expect(() => build(props as never)).toThrow(message);
  });
});

describe("IngestApi validation", () => {
  it.each([
    ["an authorizer memory size", { authorizerFunction: { memorySize: 64 } }, "test/Api: authorizerFunction.memorySize must be a whole number from 128 to 10240 MB; got 64"],
    ["an authorizer log retention", { authorizerFunction: { logRetentionDays: 2 } }, "test/Api: authorizerFunction.logRetentionDays must be one of 1, 3, 5, 7, 14, 30"],
    ["no streams", { streams: [] }, "test/Api: streams must name at least one stream; got none"],
  ])("rejects %s before creating any resource", (_label, props, message) => {
    const { stack } = newStack();
    const stream = DataStream.fromStreamArn(stack, "Stream", { streamArn: "arn:aws:kinesis:eu-west-1:123456789012:stream/events" });
    expect(() => new IngestApi(stack, "Api", { streams: [stream], ...(props as object) })).toThrow(message);
    expect(stack.node.findAll().filter((c) => TerraformResource.isTerraformResource(c)).map((c) => c.node.path)).toEqual([]);
  });
});

describe("IngestApi.addRoute", () => {
  it.each<[string, (orders: DataStream) => IIngestRoute[], string]>([
    ["a second route on a path and method", (orders) => [ordersRoute(orders), ordersRoute(orders, { idPrefix: "OrdersAgain" })],
      "route OrdersAgain (POST /orders/{eventId}): route Orders answers POST /orders/{eventId} already; API Gateway allows one method per resource path and HTTP method"],
    ["a route on a built-in route's path and method", () => [new KinesisPutRecordsRoute({ idPrefix: "Batches", path: "/streams/{streamName}/records" })],
      "route Batches (POST /streams/{streamName}/records): route PutRecords answers POST /streams/{streamName}/records already; API Gateway allows one method per resource path and HTTP method"],
    ["another {variable} beside a built-in route's", (orders) => [new KinesisPutRecordRoute({ idPrefix: "Other", path: "/submit/{eventId}", stream: orders })],
      "route Other (POST /submit/{eventId}): /submit/{eventId} would sit beside /submit/{streamName}; API Gateway allows one {variable} child per resource"],
    ["another {variable} further up the path", (orders) => [ordersRoute(orders), ordersRoute(orders, { idPrefix: "Items", path: "/orders/{orderId}/items/{eventId}" })],
      "route Items (POST /orders/{orderId}/items/{eventId}): /orders/{orderId} would sit beside /orders/{eventId}; API Gateway allows one {variable} child per resource"],
    ["an id taken by another route", (orders) => [ordersRoute(orders), ordersRoute(orders, { path: "/orders/{eventId}/copies" })],
      "route Orders (POST /orders/{eventId}/copies): route Orders (POST /orders/{eventId}) has that id already; give each route an id of its own"],
  ])("refuses %s, before creating any of its parts", (_label, routes, message) => {
    buildWithRoutes((api, orders) => {
      const [last, ...earlier] = routes(orders).reverse();
      earlier.reverse().forEach((route) => api.addRoute(route));
      const parts = api.node.children.length;
      expect(() => api.addRoute(last)).toThrow(`test/Api: ${message}`);
      expect(api.node.children).toHaveLength(parts);
    });
  });

  it("takes a literal part beside a {variable}, and the same {variable} again", () => {
    const { json } = buildWithRoutes((api, orders) => {
      api.addRoute(new KinesisPutRecordsRoute({ idPrefix: "Batch", path: "/submit/batch", stream: orders }));
      api.addRoute(new KinesisPutRecordRoute({ idPrefix: "Copy", path: "/submit/{streamName}/{eventId}/copy" }));
    });
    expect(Object.values(resourcesOf(json, "aws_api_gateway_resource")).map((r) => r.path_part)).toEqual(expect.arrayContaining(["batch", "copy"]));
  });

  it("refuses a path for another {variable} from resourceForPath too", () => {
    buildWithRoutes((api) => {
      expect(() => api.resourceForPath("/streams/{name}/records")).toThrow(
        "test/Api: /streams/{name} would sit beside /streams/{streamName}; API Gateway allows one {variable} child per resource",
      );
    });
  });
});
