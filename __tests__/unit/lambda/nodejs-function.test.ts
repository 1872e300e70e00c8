import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Architecture, Duration, NodejsFunction, Role, Tracing, Trust, bundleHandler } from "../../../modules";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";

function build(props: Partial<ConstructorParameters<typeof NodejsFunction>[2]> = {}) {
  const { stack } = newStack();
  const fn = new NodejsFunction(stack, "Fn", { entry: "stream-consumer", functionName: "my-fn", ...props });
  return { stack, fn, json: synth(stack) };
}

describe("NodejsFunction", () => {
  it("bundles lambda-src/<entry>/index.ts into a minified CommonJS index.js with a source map", () => {
    const dir = bundleHandler("stream-consumer");
    expect(fs.readdirSync(dir).sort()).toEqual(["index.js", "index.js.map"]);
    const code = fs.readFileSync(path.join(dir, "index.js"), "utf8");
    expect(code).toMatch(/module\.exports|exports\./);
    expect(code.length / code.split("\n").length).toBeGreaterThan(1000); // minified: long lines, no indentation
    expect(bundleHandler("stream-consumer")).toBe(dir); // memoized
  });

  it("runs Node.js 22 on arm64 by default, 256 MB, 30 s, X-Ray active, with source maps enabled", () => {
    const fn = onlyResource(build().json, "aws_lambda_function");
    expect(fn).toMatchObject({
      function_name: "my-fn",
      runtime: "nodejs22.x",
      handler: "index.handler",
      architectures: ["arm64"],
      memory_size: 256,
      timeout: 30,
      tracing_config: { mode: "Active" },
      logging_config: { log_format: "JSON", log_group: "/aws/lambda/my-fn" },
      environment: { variables: { NODE_OPTIONS: "--enable-source-maps" } },
    });
    expect(fn.reserved_concurrent_executions).toBeUndefined();
  });

  it("deploys a deterministic zip of the bundle, with Lambda's own hash of it as source_code_hash", () => {
    const { stack } = newStack();
    new NodejsFunction(stack, "Fn", { entry: "stream-consumer", functionName: "my-fn" });
    const fn = onlyResource(synth(stack), "aws_lambda_function");
    expect(fn.filename).toMatch(/^assets\/Fn_Code_[0-9A-F]+\/[0-9A-F]+\/stream-consumer-[0-9a-f]{8}\.zip$/);
    const bundleZip = `${bundleHandler("stream-consumer")}.zip`;
    const expected = createHash("sha256").update(fs.readFileSync(bundleZip)).digest("base64");
    expect(fn.source_code_hash).toBe(expected);
  });

  it("creates its log group, with retention, and its role's policy before the function", () => {
    const json = build().json;
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({ name: "/aws/lambda/my-fn", retention_in_days: 365 });
    const [logGroupId, policyId] = [json.resource.aws_cloudwatch_log_group, json.resource.aws_iam_role_policy].map((r) => Object.keys(r)[0]);
    expect(onlyResource(json, "aws_lambda_function").depends_on).toEqual([`aws_cloudwatch_log_group.${logGroupId}`, `aws_iam_role_policy.${policyId}`]);
  });

  it("lets its role write only to its own log group (and X-Ray, which has no resource scope)", () => {
    const json = build().json;
    const logGroupId = Object.keys(json.resource.aws_cloudwatch_log_group)[0];
    expect(policyOf(onlyResource(json, "aws_iam_role_policy"))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `\${aws_cloudwatch_log_group.${logGroupId}.arn}:log-stream:*`,
        },
        { Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
      ],
    });
    expect(policyOf(onlyResource(json, "aws_iam_role"), "assume_role_policy").Statement[0].Principal).toEqual({
      Service: ["lambda.amazonaws.com"],
    });
  });

  it("drops the X-Ray statement when tracing is pass-through", () => {
    const json = build({ tracing: Tracing.PASS_THROUGH }).json;
    expect(policyOf(onlyResource(json, "aws_iam_role_policy")).Statement).toHaveLength(1);
    expect(onlyResource(json, "aws_lambda_function").tracing_config).toEqual({ mode: "PassThrough" });
  });

  it("sets architecture, memory, timeout, concurrency, environment and retention", () => {
    const json = build({
      architecture: Architecture.X86_64,
      memorySize: 1024,
      timeout: Duration.minutes(2),
      reservedConcurrentExecutions: 5,
      environment: { STAGE: "prod" },
      logRetentionDays: 30,
    }).json;
    expect(onlyResource(json, "aws_lambda_function")).toMatchObject({
      architectures: ["x86_64"],
      memory_size: 1024,
      timeout: 120,
      reserved_concurrent_executions: 5,
      environment: { variables: { NODE_OPTIONS: "--enable-source-maps", STAGE: "prod" } },
    });
    expect(onlyResource(json, "aws_cloudwatch_log_group").retention_in_days).toBe(30);
  });

  it("leaves modules named external out of the bundle", () => {
    const dir = bundleHandler("stream-consumer", { externalModules: ["@aws-sdk/*"] });
    const code = fs.readFileSync(path.join(dir, "index.js"), "utf8");
    expect(code).toContain('require("@aws-sdk/client-dynamodb")');
    expect(fs.statSync(path.join(dir, "index.js")).size).toBeLessThan(fs.statSync(path.join(bundleHandler("stream-consumer"), "index.js")).size / 4);
  });

  it("grants invoke to a grantee by identity policy", () => {
    const { stack } = newStack();
    const fn = new NodejsFunction(stack, "Fn", { entry: "stream-consumer", functionName: "my-fn" });
    const caller = new Role(stack, "Caller", { assumedBy: Trust.service("states.amazonaws.com") });
    fn.grantInvoke(caller);
    const json = synth(stack);
    const policy = Object.entries(resourcesOf(json, "aws_iam_role_policy")).find(([k]) => k.startsWith("Caller"))![1] as any;
    const fnArn = `\${aws_lambda_function.${Object.keys(json.resource.aws_lambda_function)[0]}.arn}`;
    expect(policyOf(policy).Statement).toEqual([{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [fnArn, `${fnArn}:*`] }]);
  });

  it("allows invoke from one service principal for one source ARN", () => {
    const { stack } = newStack();
    const fn = new NodejsFunction(stack, "Fn", { entry: "stream-consumer", functionName: "my-fn" });
    fn.allowInvokeFromService("ApiInvoke", "apigateway.amazonaws.com", "arn:aws:execute-api:eu-west-1:1:abc/*");
    expect(onlyResource(synth(stack), "aws_lambda_permission")).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "apigateway.amazonaws.com",
      source_arn: "arn:aws:execute-api:eu-west-1:1:abc/*",
    });
  });

  it("measures errors, invocations and throttles as sums and duration as an average, by function name", () => {
    const { fn } = build();
    const shown = (m: ReturnType<typeof fn.metric>) => [m.namespace, m.metricName, m.statistic, m.dimensions.FunctionName];
    expect([fn.metricErrors(), fn.metricInvocations(), fn.metricThrottles(), fn.metricDuration()].map(shown)).toEqual([
      ["AWS/Lambda", "Errors", "Sum", "my-fn"],
      ["AWS/Lambda", "Invocations", "Sum", "my-fn"],
      ["AWS/Lambda", "Throttles", "Sum", "my-fn"],
      ["AWS/Lambda", "Duration", "Average", "my-fn"],
    ]);
    const overridden = fn.metricDuration({ statistic: "Maximum", period: Duration.minutes(1) });
    expect([overridden.statistic, overridden.period.toSeconds()]).toEqual(["Maximum", 60]);
    expect(fn.metric("IteratorAge", {}, "Maximum").statistic).toBe("Maximum");
  });

  it.each([
    ["memorySize", { memorySize: 64 }, "memorySize must be a whole number from 128 to 10240 MB; got 64"],
    ["timeout", { timeout: Duration.minutes(16) }, "timeout must be a whole number from 1 to 900 seconds; got 960 (16 minutes)"],
    ["timeout", { timeout: Duration.millis(1500) }, "timeout must be a whole number from 1 to 900 seconds; got 1.5 (1500 milliseconds)"],
    ["reservedConcurrentExecutions", { reservedConcurrentExecutions: -1 }, "reservedConcurrentExecutions must be a whole number from 0 to 1000; got -1"],
    ["logRetentionDays", { logRetentionDays: 2 }, "test/Fn: logRetentionDays must be one of 1, 3, 5, 7, 14, 30"],
    ["functionName", { functionName: "bad name" }, 'functionName must be 1–64 characters of [a-zA-Z0-9_-]; got "bad name"'],
    ["environment", { environment: { AWS_REGION: "x" } }, 'environment variable "AWS_REGION" must match'],
    ["entry", { entry: "no-such-handler" }, 'entry "no-such-handler" not found'],
  ])("rejects a bad %s", (_prop, props, message) => {
    expect(() => build(props as never)).toThrow(message);
  });
});

describe("bundle cache", () => {
  const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "entry-"));
  const outRoot = path.join(dir, "bundles"); // not the checkout's .build/lambda: the run leaves nothing behind
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reuses a bundle whose inputs are unchanged and rebuilds when any input changes", () => {
    const { clearBundleMemo } = require("../../../modules/lambda/bundling");
    const entry = path.join(dir, "index.ts");
    const helper = path.join(dir, "helper.ts");
    fs.writeFileSync(helper, 'export const greeting = "v1";\n');
    fs.writeFileSync(entry, 'import { greeting } from "./helper";\nexport const handler = async () => greeting;\n');

    const out = bundleHandler(entry, {}, outRoot);
    const first = fs.statSync(path.join(out, "index.js")).mtimeMs;
    expect(fs.readFileSync(path.join(out, "index.js"), "utf8")).toContain("v1");

    clearBundleMemo();
    expect(bundleHandler(entry, {}, outRoot)).toBe(out);
    expect(fs.statSync(path.join(out, "index.js")).mtimeMs).toBe(first); // not rebuilt

    fs.writeFileSync(helper, 'export const greeting = "v2";\n'); // an imported file, not the entry
    clearBundleMemo();
    bundleHandler(entry, {}, outRoot);
    expect(fs.readFileSync(path.join(out, "index.js"), "utf8")).toContain("v2");
    expect(fs.existsSync(`${out}.zip`)).toBe(true);
  });
});
