import { TerraformAsset, AssetType } from "cdktf";
import { Construct } from "constructs";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { bundleHandler, bundleZipPath, BundleOptions } from "./bundling";
import { createHash } from "crypto";
import * as fs from "fs";
import { Role, Trust } from "../iam/role";
import { LOG_RETENTION_DAYS, LogGroup } from "../cloudwatch/log-group";
import { Metric, metricFactory, MetricOptions, Statistic } from "../cloudwatch/metric";
import { IGrantable, IPrincipal, PolicyStatement } from "../iam/policy-statement";
import { uniqueName } from "../core/naming";
import { validateDuration, validateOneOf, validatePattern, validateRange, ValidationError, ValidationScope } from "../core/validation";
import { Duration } from "../core/duration";
import { skipCheckov } from "../core/checkov";

/** Instruction set: ARM_64 (Graviton: about 20% cheaper per GB-second, and as fast or faster for Node.js) or X86_64. */
export enum Architecture { ARM_64 = "arm64", X86_64 = "x86_64" }

/** X-Ray tracing: ACTIVE samples and traces requests; PASS_THROUGH traces only those the caller sampled. */
export enum Tracing { ACTIVE = "Active", PASS_THROUGH = "PassThrough" }

export interface NodejsFunctionProps {
  /** Handler folder under `lambda-src/` (its `index.ts` exports `handler`), or an absolute path to an entry file. */
  readonly entry: string;
  /** Physical name, `[a-zA-Z0-9-_]{1,64}`. @default a deterministic name from the construct path */
  readonly functionName?: string;
  /** @default none */
  readonly description?: string;
  /** @default Architecture.ARM_64 */
  readonly architecture?: Architecture;
  /** Memory in MB, 128–10240. @default 256 */
  readonly memorySize?: number;
  /** How long an invocation may run, 1 second to 15 minutes. @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Environment variables (names `[a-zA-Z][a-zA-Z0-9_]+`, not AWS-reserved). @default none */
  readonly environment?: Record<string, string>;
  /** Reserved concurrency, 0–1000 (0 stops the function). @default unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** X-Ray tracing. @default Tracing.ACTIVE */
  readonly tracing?: Tracing;
  /** Log retention in days (a CloudWatch Logs value). @default 365 */
  readonly logRetentionDays?: number;
  /** esbuild options. @default AWS SDK bundled, minified, with source maps */
  readonly bundling?: BundleOptions;
}

/** Something that invokes a function, connected with `fn.addEventSource(source)`. */
export interface IEventSource {
  bind(target: NodejsFunction): void;
}

/** Environment variable names the Lambda runtime reserves. */
const RESERVED_ENV = new Set([
  "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
]);

/**
 * A Node.js 22 Lambda function bundled from TypeScript by esbuild at synth. Its role may write
 * only to its own log group, created (with retention) before the function so Lambda never
 * creates one without retention.
 */
export class NodejsFunction extends Construct implements IGrantable {
  /**
   * Throws unless the props are valid, naming each `<prefix><prop>`: what the constructor checks
   * first, for constructs that check their function's props before creating anything (e.g. a
   * `StreamConsumer`'s `function.`). The entry is checked when it is bundled.
   */
  static validateProps(scope: ValidationScope, props: Omit<NodejsFunctionProps, "entry">, prefix = ""): void {
    validatePattern(scope, `${prefix}functionName`, props.functionName, /^[a-zA-Z0-9_-]{1,64}$/, "1–64 characters of [a-zA-Z0-9_-]");
    validateOneOf(scope, `${prefix}architecture`, props.architecture, Object.values(Architecture));
    validateOneOf(scope, `${prefix}tracing`, props.tracing, Object.values(Tracing));
    validateRange(scope, `${prefix}memorySize`, props.memorySize, { min: 128, max: 10240, unit: "MB" });
    validateDuration(scope, `${prefix}timeout`, props.timeout, "seconds", { min: 1, max: 900 });
    validateRange(scope, `${prefix}reservedConcurrentExecutions`, props.reservedConcurrentExecutions, { min: 0, max: 1000 });
    validateOneOf(scope, `${prefix}logRetentionDays`, props.logRetentionDays, LOG_RETENTION_DAYS);
    for (const name of Object.keys(props.environment ?? {})) {
      if (!/^[a-zA-Z][a-zA-Z0-9_]+$/.test(name) || RESERVED_ENV.has(name)) {
        throw new ValidationError(scope, `${prefix}environment variable ${JSON.stringify(name)} must match [a-zA-Z][a-zA-Z0-9_]+ and not be reserved by Lambda`);
      }
    }
  }

  readonly resource: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly functionName: string;
  readonly functionArn: string;
  readonly grantPrincipal: IPrincipal;
  readonly timeout: Duration;
  /** The bundle folder whose zip is deployed (index.js and its map). */
  readonly bundleDir: string;

  constructor(scope: Construct, id: string, props: NodejsFunctionProps) {
    super(scope, id);
    NodejsFunction.validateProps(this, props);

    const timeoutSeconds = props.timeout?.toSeconds() ?? 30;
    const functionName = props.functionName ?? uniqueName(this, 64, /[^A-Za-z0-9_-]/g);
    const tracing = props.tracing ?? Tracing.ACTIVE;
    this.timeout = props.timeout ?? Duration.seconds(timeoutSeconds);
    this.bundleDir = bundleHandler(props.entry, props.bundling);
    const zip = bundleZipPath(this.bundleDir);
    const asset = new TerraformAsset(this, "Code", { path: zip, type: AssetType.FILE });

    this.logGroup = new LogGroup(this, "LogGroup", {
      logGroupName: `/aws/lambda/${functionName}`,
      retentionDays: props.logRetentionDays,
    });
    this.role = new Role(this, "ServiceRole", {
      description: `Execution role of Lambda function ${functionName}`,
      assumedBy: Trust.service("lambda.amazonaws.com"),
    });
    this.grantPrincipal = this.role.grantPrincipal;
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${this.logGroup.logGroupArn}:log-stream:*`],
      }),
    );
    if (tracing === Tracing.ACTIVE) {
      // X-Ray's trace APIs have no resource-level permissions: "*" is the only resource AWS accepts.
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] }),
      );
    }

    this.resource = new LambdaFunction(this, "Resource", {
      functionName,
      description: props.description,
      runtime: "nodejs22.x",
      handler: "index.handler",
      architectures: [props.architecture ?? Architecture.ARM_64],
      memorySize: props.memorySize ?? 256,
      timeout: timeoutSeconds,
      role: this.role.roleArn,
      filename: asset.path,
      // What Lambda itself computes of the zip (filebase64sha256): a changed bundle redeploys.
      sourceCodeHash: createHash("sha256").update(fs.readFileSync(zip)).digest("base64"),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracingConfig: { mode: tracing },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.logGroupName },
      environment: {
        variables: { NODE_OPTIONS: "--enable-source-maps", ...(props.environment ?? {}) },
      },
      // The log group must exist (with its retention) before the first invocation. (The role's
      // policy comes first too, added at synth by PolicyDependencyAspect: the function names the role.)
      dependsOn: [this.logGroup.resource],
    });
    this.functionName = functionName;
    this.functionArn = this.resource.arn;
    skipCheckov(this.resource, "CKV_AWS_117", "Calls only AWS APIs (TLS, SigV4); a VPC would add NAT or endpoints and cold-start cost without reducing exposure");
    skipCheckov(this.resource, "CKV_AWS_272", "Bundled at synth from this repository and pinned by source_code_hash; no AWS Signer profile is part of this stack");
    skipCheckov(this.resource, "CKV_AWS_173", "The environment holds names and ARNs only (secrets come from Secrets Manager); Lambda encrypts it at rest with its own key");
  }

  /** Lets the grantee invoke this function (an identity-policy statement). */
  grantInvoke(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [this.functionArn, `${this.functionArn}:*`] }),
    );
  }

  /** Lets one AWS service invoke this function, only on behalf of `sourceArn` (a resource-policy permission). */
  allowInvokeFromService(id: string, principal: string, sourceArn: string): LambdaPermission {
    return new LambdaPermission(this, id, {
      action: "lambda:InvokeFunction",
      functionName: this.resource.functionName,
      principal,
      sourceArn,
    });
  }

  /** Adds a statement to the function's role (the grant idiom: `x.grantRead(fn)` does the same). */
  addToRolePolicy(statement: PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  /** Connects an event source (e.g. `KinesisEventSource`): it creates its mapping and grants this function's role what it needs. */
  addEventSource(source: IEventSource): void {
    source.bind(this);
  }

  /** Any AWS/Lambda metric of this function: Sum, or `defaultStatistic`, unless `options` says otherwise. */
  metric(metricName: string, options: MetricOptions = {}, defaultStatistic: Statistic = "Sum"): Metric {
    return metricFactory("AWS/Lambda", { FunctionName: this.functionName })(metricName, defaultStatistic, options);
  }
  /** Invocations that ended in an error (Sum). */
  metricErrors(options?: MetricOptions): Metric { return this.metric("Errors", options); }
  /** Invocations (Sum). */
  metricInvocations(options?: MetricOptions): Metric { return this.metric("Invocations", options); }
  /** Throttled invocations (Sum). */
  metricThrottles(options?: MetricOptions): Metric { return this.metric("Throttles", options); }
  /** Duration in ms (Average). */
  metricDuration(options?: MetricOptions): Metric { return this.metric("Duration", options, "Average"); }
}
