import { Construct } from "constructs";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { AwsEnvironment } from "../core/aws-environment";
import { PolicyStatement } from "../iam/policy-statement";
import { Role, Trust } from "../iam/role";

export interface ApiGatewayAccountLoggingProps {
  /**
   * Name prefixes of the access-log groups API Gateway may write, besides its execution logs
   * (`API-Gateway-Execution-Logs_*`). @default ["/aws/apigateway/"] (where `IngestApi` puts its access logs)
   */
  readonly accessLogGroupPrefixes?: string[];
}

/**
 * The CloudWatch role API Gateway writes REST API logs through, and the account setting that
 * names it (`aws_api_gateway_account`).
 *
 * **One per account and region, so opt in.** The setting is a singleton of the account and
 * region, not of an API. Two stacks that each manage it overwrite each other's role on every
 * apply, and destroying either leaves the other's APIs unable to log. Create it in exactly one
 * stack per account and region, and pass it to each `IngestApi` of that stack (`accountLogging`)
 * so their stages wait for it. Every other stack relies on the setting being there.
 */
export class ApiGatewayAccountLogging extends Construct {
  readonly role: Role;
  readonly account: ApiGatewayAccount;

  constructor(scope: Construct, id: string, props: ApiGatewayAccountLoggingProps = {}) {
    super(scope, id);
    const prefixes = props.accessLogGroupPrefixes ?? ["/aws/apigateway/"];
    const { region, accountId, partition } = AwsEnvironment.of(this);
    const logGroup = (pattern: string) => `arn:${partition}:logs:${region}:${accountId}:log-group:${pattern}`;
    this.role = new Role(this, "CloudWatchRole", {
      description: "API Gateway's account-level role for writing logs",
      // The role serves every API of the account and region, so no single API's ARN can be named
      // (aws:SourceArn): the account is the narrowest source condition.
      assumedBy: Trust.service("apigateway.amazonaws.com", { StringEquals: { "aws:SourceAccount": accountId } }),
    });
    const groups = [`API-Gateway-Execution-Logs_*`, ...prefixes.map((p) => `${p}*`)];
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents"],
        resources: groups.flatMap((g) => [logGroup(g), logGroup(`${g}:log-stream:*`)]),
      }),
    );
    // Listing groups names no group: it is granted on the region's groups, and reveals names only.
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ["logs:DescribeLogGroups"], resources: [logGroup("*")] }));
    // Waits for the role's policy (PolicyDependencyAspect): API Gateway checks the role when the setting is made.
    this.account = new ApiGatewayAccount(this, "AccountSettings", { cloudwatchRoleArn: this.role.roleArn });
  }
}
