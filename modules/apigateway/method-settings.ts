import { Construct } from "constructs";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { skipCheckov } from "../core/checkov";
import { RangeOptions, validateRange, ValidationScope } from "../core/validation";

/** Requests per second and burst: of a stage, one route, or each key of a usage plan. */
export interface ThrottleSettings {
  /** Steady-state requests per second, 1–10,000. */
  readonly rateLimit: number;
  /** Burst size, 1–5,000. */
  readonly burstLimit: number;
}

/** API Gateway's ranges for a rate and a burst limit. */
export const RATE_LIMIT_RANGE: RangeOptions = { min: 1, max: 10000, unit: "requests/s" };
export const BURST_LIMIT_RANGE: RangeOptions = { min: 1, max: 5000, unit: "requests" };

/** Throws unless both limits lie in API Gateway's ranges; `prop` names the settings, e.g. `usagePlan.throttle`. */
export function validateThrottleSettings(scope: ValidationScope, prop: string, throttle: ThrottleSettings | undefined): void {
  if (!throttle) return;
  validateRange(scope, `${prop}.rateLimit`, throttle.rateLimit, RATE_LIMIT_RANGE);
  validateRange(scope, `${prop}.burstLimit`, throttle.burstLimit, BURST_LIMIT_RANGE);
}

/** The method path of settings for every method of a stage. */
export const ALL_METHODS = "*/*";

export interface MethodSettingsProps {
  readonly restApiId: string;
  /** A reference to the stage's name, so the settings wait for the stage. */
  readonly stageName: string;
  /** `ALL_METHODS`, or one method: `<resource path without its leading slash>/<HTTP method>`. */
  readonly methodPath: string;
  readonly throttle: ThrottleSettings;
}

/**
 * Method settings with the given throttling. Every override repeats the stage-wide settings
 * (metrics on, ERROR-only execution logs, no data tracing): a method's settings replace the
 * stage's for that method rather than adding to them.
 */
export function createMethodSettings(scope: Construct, id: string, props: MethodSettingsProps): ApiGatewayMethodSettings {
  const settings = new ApiGatewayMethodSettings(scope, id, {
    restApiId: props.restApiId,
    stageName: props.stageName,
    methodPath: props.methodPath,
    settings: {
      metricsEnabled: true,
      // ERROR only: INFO execution logs (and data tracing) would write request bodies and headers.
      loggingLevel: "ERROR",
      dataTraceEnabled: false,
      throttlingRateLimit: props.throttle.rateLimit,
      throttlingBurstLimit: props.throttle.burstLimit,
    },
  });
  skipCheckov(settings, "CKV_AWS_225", "Every route is a write (POST into Kinesis): cached responses would drop records");
  return settings;
}
