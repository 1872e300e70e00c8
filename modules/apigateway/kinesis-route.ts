import { TerraformResource } from "cdktf";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayMethodResponse } from "@cdktf/provider-aws/lib/api-gateway-method-response";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayIntegrationResponse } from "@cdktf/provider-aws/lib/api-gateway-integration-response";
import { AwsEnvironment } from "../core/aws-environment";
import { IDataStream } from "../kinesis/data-stream";
import { validatePattern, ValidationError, ValidationScope } from "../core/validation";
import { createMethodSettings, ThrottleSettings, validateThrottleSettings } from "./method-settings";
import { pathParams, validateModelName, validateResourcePath } from "./route-validation";
import type { IIngestRoute, IngestApi, RequestModel } from "./ingest-api";

export interface KinesisRouteProps {
  /**
   * Prefix of the construct ids of the route's method, integration and responses, which are
   * created in the API's scope (`<idPrefix>Method`, `<idPrefix>Integration200`, …): unique per
   * API, `[A-Za-z][A-Za-z0-9]*`.
   */
  readonly idPrefix: string;
  /** The resource path the route answers POST on, e.g. `/orders/{eventId}`: parts of `[A-Za-z0-9._-]` or `{name}`. */
  readonly path: string;
  /** The one stream the route writes to (granted to the API's role). @default the bound stream the path's `{streamName}` names */
  readonly stream?: IDataStream;
  /** The JSON model request bodies must match (shared by routes that name the same model). @default the route's: `Event` or `EventBatch` */
  readonly requestModel?: RequestModel;
  /** VTL template turning the request into the Kinesis call's JSON body. @default the route's (see the class) */
  readonly requestTemplate?: string;
  /** VTL template of the 200 response body, from the Kinesis response. @default the route's (see the class) */
  readonly responseTemplate?: string;
  /** Requests per second and burst for this route alone. @default the stage's throttling */
  readonly throttle?: ThrottleSettings;
}

const JSON_CT = "application/json";

/**
 * `$util.escapeJavaScript` escapes `'` as `\'`, which is not valid JSON; AWS's documented remedy
 * is this replaceAll after it (a Java regex: a backslash followed by a quote).
 */
export const UNESCAPE_QUOTE = `.replaceAll("\\\\'","'")`;

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

/** Every status a Kinesis route may answer with (the error template overrides 400 to 404, 413 or 429). */
const METHOD_STATUSES = ["200", "400", "404", "413", "429", "502"];

/** An event: a JSON object whose `eventId` (the partition key and the table key) the consumer accepts. */
export const EVENT_OBJECT = {
  type: "object",
  required: ["eventId"],
  // 256: the longest partition key Kinesis accepts (the eventId is the partition key).
  properties: { eventId: { type: "string", minLength: 1, maxLength: 256 } },
};

/** What a kind of Kinesis route (PutRecord, PutRecords) brings by default. */
export interface KinesisAction {
  readonly name: "PutRecord" | "PutRecords";
  readonly model: RequestModel;
  /** The request template, given the VTL of the stream name. */
  requestTemplate(streamName: string): string;
  readonly responseTemplate: string;
  /** Path parameters the default request template reads. */
  readonly templateParams: string[];
}

/**
 * A POST route straight into one Kinesis action, with the API's authorizer, body validation
 * against a JSON model, and Kinesis errors mapped to JSON with their own status codes. Its props
 * are checked when it is constructed (errors name its class), before any API holds it.
 */
export abstract class KinesisRoute implements IIngestRoute {
  /** The route's `idPrefix`. */
  readonly id: string;
  readonly path: string;
  readonly httpMethod = "POST";

  protected constructor(
    private readonly action: KinesisAction,
    readonly props: KinesisRouteProps,
  ) {
    this.validate(new.target.name);
    this.id = props.idPrefix;
    this.path = props.path;
  }

  /** Creates the route's path, model, method, integration and responses in the API's scope. */
  bind(api: IngestApi): TerraformResource[] {
    const p = this.props;
    const model = api.addModel(p.requestModel ?? this.action.model);
    const resource = api.resourceForPath(p.path);
    p.stream?.grantWrite(api.apiRole);

    const method = new ApiGatewayMethod(api, `${p.idPrefix}Method`, {
      restApiId: api.api.id,
      resourceId: resource.id,
      httpMethod: this.httpMethod,
      authorization: "CUSTOM",
      authorizerId: api.authorizer.id,
      apiKeyRequired: api.apiKeyRequired,
      requestValidatorId: api.requestValidator.id,
      requestModels: { [JSON_CT]: model.name },
      requestParameters: Object.fromEntries(pathParams(p.path).map((param) => [`method.request.path.${param}`, true])),
    });
    const { region, partition } = AwsEnvironment.of(api);
    const integration = new ApiGatewayIntegration(api, `${p.idPrefix}Integration`, {
      restApiId: api.api.id,
      resourceId: resource.id,
      httpMethod: method.httpMethod,
      type: "AWS",
      integrationHttpMethod: "POST",
      // From the provider's region, not a hard-coded one.
      uri: `arn:${partition}:apigateway:${region}:kinesis:action/${this.action.name}`,
      credentials: api.apiRole.roleArn,
      passthroughBehavior: "NEVER",
      requestParameters: { "integration.request.header.Content-Type": "'application/x-amz-json-1.1'" },
      requestTemplates: { [JSON_CT]: p.requestTemplate ?? this.action.requestTemplate(this.streamNameTemplate()) },
    });
    const methodResponses = METHOD_STATUSES.map(
      (status) =>
        new ApiGatewayMethodResponse(api, `${p.idPrefix}Response${status}`, {
          restApiId: api.api.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          statusCode: status,
          responseModels: { [JSON_CT]: "Empty" },
        }),
    );
    const responses: Array<[status: string, pattern: string | undefined, template: string]> = [
      ["200", undefined, p.responseTemplate ?? this.action.responseTemplate],
      ["400", "4\\d{2}", KINESIS_ERROR_TEMPLATE],
      ["502", "5\\d{2}", UPSTREAM_ERROR_TEMPLATE],
    ];
    const integrationResponses = responses.map(
      ([status, pattern, template]) =>
        new ApiGatewayIntegrationResponse(api, `${p.idPrefix}Integration${status}`, {
          restApiId: api.api.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          statusCode: status,
          selectionPattern: pattern,
          responseTemplates: { [JSON_CT]: template },
          dependsOn: [integration],
        }),
    );
    if (p.throttle) {
      createMethodSettings(api, `${p.idPrefix}MethodSettings`, {
        restApiId: api.api.id,
        stageName: api.stage.stageName,
        methodPath: `${p.path.slice(1)}/${this.httpMethod}`,
        throttle: p.throttle,
      });
    }
    return [method, integration, ...methodResponses, ...integrationResponses];
  }

  /** `scope` names the route in errors: its class. */
  private validate(scope: ValidationScope): void {
    const p = this.props;
    validatePattern(scope, "idPrefix", p.idPrefix, /^[A-Za-z][A-Za-z0-9]*$/, "a letter, then letters and digits");
    validateResourcePath(scope, "path", p.path);
    const params = pathParams(p.path);
    if (p.stream && params.includes("streamName")) {
      throw new ValidationError(scope, `path must not hold {streamName} when stream fixes the stream; got ${JSON.stringify(p.path)}`);
    }
    if (!p.stream && !params.includes("streamName")) {
      throw new ValidationError(scope, `path must hold {streamName} (the stream to write to) unless stream is given; got ${JSON.stringify(p.path)}`);
    }
    const missing = p.requestTemplate === undefined ? this.action.templateParams.filter((param) => !params.includes(param)) : [];
    if (missing.length > 0) {
      throw new ValidationError(scope, `path must hold {${missing.join("}, {")}}, which the default request template reads, unless requestTemplate is given; got ${JSON.stringify(p.path)}`);
    }
    if (p.requestModel) validateModelName(scope, "requestModel.name", p.requestModel.name);
    validateThrottleSettings(scope, "throttle", p.throttle);
  }

  /** VTL of the stream name: the fixed stream's, or the `{streamName}` path parameter, escaped for JSON. */
  private streamNameTemplate(): string {
    return this.props.stream?.streamName ?? `$util.escapeJavaScript($input.params('streamName'))${UNESCAPE_QUOTE}`;
  }
}
