import { dependable, TerraformStack } from "cdktf";
import { IamAccessKey } from "@cdktf/provider-aws/lib/iam-access-key";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { DataStream, PolicyStatement, Role, Trust, User } from "../../../modules";
import { newStack, synth } from "../../helpers/synth";

/**
 * Resources that use a role or user wait for its policies, derived at synth from what they
 * name: nobody threads `dependsOn` by hand, and grants made at any time count.
 */
const dependsOn = (json: any, type: string) => Object.values<any>(json.resource[type])[0].depends_on;
const addressOf = (json: any, type: string) => `${type}.${Object.keys(json.resource[type])[0]}`;

function functionOf(stack: TerraformStack, role: Role, id = "Function") {
  return new LambdaFunction(stack, id, { functionName: id.toLowerCase(), role: role.roleArn, handler: "index.handler", runtime: "nodejs22.x", filename: "f.zip" });
}

describe("PolicyDependencyAspect", () => {
  it("orders a function and its mapping after the role's policy, for a grant made after both exist", () => {
    const { stack } = newStack();
    const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    const fn = functionOf(stack, role);
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    new LambdaEventSourceMapping(stack, "Mapping", { functionName: fn.arn, eventSourceArn: stream.streamArn, startingPosition: "LATEST" });
    stream.grantRead(role); // after the function and the mapping were constructed
    const json = synth(stack);
    const policy = addressOf(json, "aws_iam_role_policy");
    expect(dependsOn(json, "aws_lambda_function")).toEqual([policy]);
    // The mapping names the function, which names the role: AWS checks the role's permissions when it creates the mapping.
    expect(dependsOn(json, "aws_lambda_event_source_mapping")).toEqual([policy]);
    // The stream names neither.
    expect(dependsOn(json, "aws_kinesis_stream")).toBeUndefined();
  });

  it("keeps edges threaded by hand, appends its own after them, and adds none twice", () => {
    const { stack } = newStack();
    const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    const queue = new SqsQueue(stack, "Queue", { name: "q" });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [queue.arn] }));
    functionOf(stack, role, "Other").dependsOn = [dependable(queue)];
    functionOf(stack, role, "Threaded").dependsOn = [dependable(role.policyResource!)];
    const json = synth(stack);
    const [queueAddress, policy] = [addressOf(json, "aws_sqs_queue"), addressOf(json, "aws_iam_role_policy")];
    expect(Object.values<any>(json.resource.aws_lambda_function).map((f) => f.depends_on)).toEqual([[queueAddress, policy], [policy]]);
    expect(synth(stack)).toEqual(json); // synthesizing again adds nothing
  });

  it("waits for every principal a resource names, in address order", () => {
    const { stack } = newStack();
    const roles = ["B", "A"].map((id) => new Role(stack, id, { assumedBy: Trust.service("firehose.amazonaws.com") }));
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    for (const role of roles) stream.grantRead(role);
    // Any resource naming both roles' ARNs; a queue policy stands in for a delivery stream.
    new SqsQueue(stack, "Queue", { name: "q", tags: { a: roles[0].roleArn, b: roles[1].roleArn } });
    const json = synth(stack);
    expect(dependsOn(json, "aws_sqs_queue")).toEqual(Object.keys(json.resource.aws_iam_role_policy).sort().map((id) => `aws_iam_role_policy.${id}`));
  });

  it("leaves IAM resources alone: an access key names its user but needs none of its permissions", () => {
    const { stack } = newStack();
    const user = new User(stack, "User");
    new DataStream(stack, "Stream", { streamName: "events", alarms: false }).grantWrite(user);
    new IamAccessKey(stack, "Key", { user: user.userName });
    expect(dependsOn(synth(stack), "aws_iam_access_key")).toBeUndefined();
  });

  it("adds no edge that would close a cycle (the policy names the resource)", () => {
    const { stack } = newStack();
    const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    const fn = functionOf(stack, role);
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [fn.arn] }));
    expect(dependsOn(synth(stack), "aws_lambda_function")).toBeUndefined();
  });

  it("finds an imported role by its literal ARN", () => {
    const { stack } = newStack();
    const arn = "arn:aws:iam::111122223333:role/existing";
    const role = Role.fromRoleArn(stack, "Existing", arn);
    new DataStream(stack, "Stream", { streamName: "events", alarms: false }).grantRead(role);
    new KinesisStream(stack, "Other", { name: "other", shardCount: 1 });
    new SqsQueue(stack, "Queue", { name: "q", tags: { role: arn } });
    const json = synth(stack);
    expect(dependsOn(json, "aws_sqs_queue")).toEqual([addressOf(json, "aws_iam_role_policy")]);
    expect(Object.values<any>(json.resource.aws_kinesis_stream).map((s) => s.depends_on)).toEqual([undefined, undefined]);
  });
});
