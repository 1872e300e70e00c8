import { TerraformResource } from "cdktf";
import { DataStream, IngestApi, Size } from "../../../modules";
import { newStack, onlyResource, synth } from "../../helpers/synth";

/** An API with a web ACL (or without one), synthesized. */
function build(webAcl?: ConstructorParameters<typeof IngestApi>[2]["webAcl"]) {
  const { stack } = newStack();
  const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false, outputs: false });
  new IngestApi(stack, "Api", { streams: [stream], webAcl });
  return synth(stack) as any;
}
const rulesOf = (json: any) => onlyResource(json, "aws_wafv2_web_acl").rule;

describe("ApiWebAcl on the ingest API's stage", () => {
  it("is regional, associated with the stage, and allows by default what no rule blocks", () => {
    const json = build({});
    const acl = onlyResource(json, "aws_wafv2_web_acl");
    expect(acl).toMatchObject({ scope: "REGIONAL", default_action: { allow: {} } });
    expect(onlyResource(json, "aws_wafv2_web_acl_association")).toEqual(
      expect.objectContaining({
        resource_arn: expect.stringMatching(/^\$\{aws_api_gateway_stage\.Api_Stage_\w+\.arn\}$/),
        web_acl_arn: expect.stringMatching(/^\$\{aws_wafv2_web_acl\.Api_WebAcl_\w+\.arn\}$/),
      }),
    );
  });

  it("blocks a client IP above the rate limit, bodies above the size limit, and what AWS's common, known-bad-inputs and anonymous-IP rules block", () => {
    const rules = rulesOf(build({ rateLimitPer5Minutes: 500, maxBodySize: Size.kibibytes(32) }));
    expect(rules.map((r: any) => r.name)).toEqual(["rate-per-client-ip", "body-size", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAnonymousIpList"]);
    // Partners often send from cloud servers: hosting providers only count.
    expect(rules[4].statement.managed_rule_group_statement.rule_action_override).toEqual([{ name: "HostingProviderIPList", action_to_use: { count: {} } }]);
    expect(rules[0]).toMatchObject({ action: { block: {} }, statement: { rate_based_statement: { limit: 500, aggregate_key_type: "IP" } } });
    expect(rules[1]).toMatchObject({
      action: { block: {} },
      statement: { size_constraint_statement: { field_to_match: { body: { oversize_handling: "MATCH" } }, comparison_operator: "GT", size: 32768 } },
    });
    // The common rules' own 8 KB body rule only counts: the body-size rule decides.
    expect(rules[2].statement.managed_rule_group_statement.rule_action_override).toEqual([{ name: "SizeRestrictions_BODY", action_to_use: { count: {} } }]);
    expect(rules[3]).toMatchObject({ override_action: { none: {} }, statement: { managed_rule_group_statement: { vendor_name: "AWS", name: "AWSManagedRulesKnownBadInputsRuleSet" } } });
    expect(rules.every((r: any) => r.visibility_config.cloudwatch_metrics_enabled && r.visibility_config.sampled_requests_enabled)).toBe(true);
  });

  it("inspects up to 64 KiB of a body, and blocks by default what it cannot inspect", () => {
    const json = build({});
    expect(onlyResource(json, "aws_wafv2_web_acl").association_config).toEqual({ request_body: [{ api_gateway: { default_size_inspection_limit: "KB_64" } }] });
    expect(rulesOf(json)[1].statement.size_constraint_statement.size).toBe(65536);
  });

  it("logs to an aws-waf-logs- group with retention, never the Authorization header (it carries the password)", () => {
    const json = build({});
    const logging = onlyResource(json, "aws_wafv2_web_acl_logging_configuration");
    expect(logging.redacted_fields).toEqual([{ single_header: { name: "authorization" } }]);
    const group = Object.values(json.resource.aws_cloudwatch_log_group).find((g: any) => g.name.startsWith("aws-waf-logs-")) as any;
    expect(group.retention_in_days).toBe(365);
    expect(logging.log_destination_configs).toEqual([expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.Api_WebAcl_Logs_\w+\.arn\}$/)]);
  });

  it("skips checkov's WAF finding only while there is no web ACL", () => {
    // The skip sits in the stage's "//" block, which Testing.synth strips: read the stage's own JSON.
    const stageSkips = (webAcl?: object) => {
      const { stack } = newStack();
      const api = new IngestApi(stack, "Api", { streams: [new DataStream(stack, "Stream", { streamName: "events", alarms: false, outputs: false })], webAcl });
      return JSON.stringify((Object.values(api.stage.toTerraform().resource.aws_api_gateway_stage)[0] as any)["//"]);
    };
    expect(stageSkips()).toContain("CKV2_AWS_29");
    expect(stageSkips({})).not.toContain("CKV2_AWS_29");
  });

  it.each([
    [{ rateLimitPer5Minutes: 9 }, "webAcl.rateLimitPer5Minutes must be a whole number from 10 to 2000000000 requests; got 9"],
    [{ maxBodySize: Size.kibibytes(65) }, "webAcl.maxBodySize must be a whole number from 1 to 65536 bytes"],
    [{ name: "bad name" }, 'webAcl.name must be 1–128 characters of [A-Za-z0-9_-]; got "bad name"'],
  ])("rejects %j before creating any resource", (webAcl, message) => {
    const { stack } = newStack();
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false, outputs: false });
    const before = stack.node.findAll().filter((c) => TerraformResource.isTerraformResource(c)).length;
    expect(() => new IngestApi(stack, "Api", { streams: [stream], webAcl })).toThrow(message);
    expect(stack.node.findAll().filter((c) => TerraformResource.isTerraformResource(c)).length).toBe(before);
  });
});
