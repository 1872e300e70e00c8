import { ApiGatewayAccountLogging } from "../../../modules";
import { newStack, onlyResource, policyOf, synth } from "../../helpers/synth";

const ACCOUNT = /\$\{data\.aws_caller_identity\.\w+\.account_id\}/.source;
const group = (pattern: string) => new RegExp(`^arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${pattern}$`);

describe("ApiGatewayAccountLogging", () => {
  const build = (props?: ConstructorParameters<typeof ApiGatewayAccountLogging>[2]) => {
    const { stack } = newStack();
    new ApiGatewayAccountLogging(stack, "ApiGatewayAccount", props);
    return synth(stack);
  };

  it("sets the account's CloudWatch role, trusted by API Gateway from this account only", () => {
    const json = build();
    expect(onlyResource(json, "aws_api_gateway_account").cloudwatch_role_arn).toMatch(/^\$\{aws_iam_role\.ApiGatewayAccount_CloudWatchRole_\w+\.arn\}$/);
    expect(policyOf(onlyResource(json, "aws_iam_role"), "assume_role_policy").Statement).toEqual([
      { Effect: "Allow", Principal: { Service: ["apigateway.amazonaws.com"] }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": expect.stringMatching(new RegExp(`^${ACCOUNT}$`)) } } },
    ]);
  });

  it("lets the role write only execution logs and the access-log groups under /aws/apigateway/, not every group of the region", () => {
    const [write, list] = policyOf(onlyResource(build(), "aws_iam_role_policy")).Statement;
    expect(write.Action).toEqual(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents"]);
    expect(write.Resource).toEqual([
      expect.stringMatching(group("API-Gateway-Execution-Logs_\\*")),
      expect.stringMatching(group("API-Gateway-Execution-Logs_\\*:log-stream:\\*")),
      expect.stringMatching(group("/aws/apigateway/\\*")),
      expect.stringMatching(group("/aws/apigateway/\\*:log-stream:\\*")),
    ]);
    expect(list).toEqual({ Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: expect.stringMatching(group("\\*")) });
  });

  it("takes other access-log prefixes", () => {
    const [write] = policyOf(onlyResource(build({ accessLogGroupPrefixes: ["/team/apis/"] }), "aws_iam_role_policy")).Statement;
    expect(write.Resource).toContainEqual(expect.stringMatching(group("/team/apis/\\*")));
    expect(write.Resource).not.toContainEqual(expect.stringMatching(group("/aws/apigateway/\\*")));
  });
});
