import { dependable, TerraformStack } from "cdktf";
import { IamAccessKey } from "@cdktf/provider-aws/lib/iam-access-key";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { DataStream, IRole, PolicyStatement, Role, Trust, User } from "../../../modules";
import { newStack, Synth, synth } from "../../helpers/synth";

/**
 * Resources that use a role or user wait for its policies, derived at synth from what they
 * name: nobody threads `dependsOn` by hand, and grants made at any time count.
 */
const dependsOn = (json: any, type: string) => Object.values<any>(json.resource[type])[0].depends_on;
const addressOf = (json: any, type: string) => `${type}.${Object.keys(json.resource[type])[0]}`;

function functionOf(stack: TerraformStack, role: Role, id = "Function") {
  return new LambdaFunction(stack, id, { functionName: id.toLowerCase(), role: role.roleArn, handler: "index.handler", runtime: "nodejs22.x", filename: "f.zip" });
}

/** A delivery stream reading `source`'s stream and writing with `destination`: it names both roles. */
function deliveryStreamOf(stack: TerraformStack, source: IRole, destination: IRole) {
  const stream = new KinesisStream(stack, "Source", { name: "events", shardCount: 1 });
  return new KinesisFirehoseDeliveryStream(stack, "Delivery", {
    name: "events-to-s3",
    destination: "extended_s3",
    kinesisSourceConfiguration: { kinesisStreamArn: stream.arn, roleArn: source.roleArn },
    extendedS3Configuration: { bucketArn: "arn:aws:s3:::archive", roleArn: destination.roleArn },
  });
}

/**
 * The order Terraform derives from the synthesized stack: a resource comes after every resource
 * its arguments reference and every one it `depends_on`.
 */
function orderingCycle(json: Synth): string[] | undefined {
  const after = new Map<string, string[]>();
  for (const [type, byId] of Object.entries(json.resource)) {
    for (const [id, block] of Object.entries<any>(byId)) {
      const { depends_on: dependsOn = [], ...args } = block;
      const referenced = JSON.stringify(args).match(/\b[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+(?=\.)/g) ?? [];
      after.set(`${type}.${id}`, [...referenced, ...dependsOn]);
    }
  }
  const state = new Map<string, "visiting" | "done">();
  const visit = (address: string, path: string[]): string[] | undefined => {
    if (state.get(address) === "visiting") return [...path.slice(path.indexOf(address)), address];
    if (state.get(address) === "done" || !after.has(address)) return undefined;
    state.set(address, "visiting");
    for (const next of after.get(address)!) {
      const cycle = visit(next, [...path, address]);
      if (cycle) return cycle;
    }
    state.set(address, "done");
    return undefined;
  };
  for (const address of after.keys()) {
    const cycle = visit(address, []);
    if (cycle) return cycle;
  }
  return undefined;
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
    const [source, destination] = ["B", "A"].map((id) => new Role(stack, id, { assumedBy: Trust.service("firehose.amazonaws.com") }));
    const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
    for (const role of [source, destination]) stream.grantRead(role);
    deliveryStreamOf(stack, source, destination);
    const json = synth(stack);
    expect(dependsOn(json, "aws_kinesis_firehose_delivery_stream")).toEqual(Object.keys(json.resource.aws_iam_role_policy).sort().map((id) => `aws_iam_role_policy.${id}`));
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

  it("adds no edge that would close a longer cycle (the policy names a resource that names this one)", () => {
    const { stack } = newStack();
    const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    const fn = functionOf(stack, role);
    const alias = new LambdaAlias(stack, "Live", { name: "live", functionName: fn.functionName, functionVersion: "$LATEST" });
    // The function may invoke itself through its alias: policy -> alias -> function.
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [alias.arn] }));
    const json = synth(stack);
    expect(orderingCycle(json)).toBeUndefined();
    expect(dependsOn(json, "aws_lambda_function")).toBeUndefined();
  });

  it.each([2, 3])("counts the edges it adds itself: of %i functions invoking each other in a ring, all but the last wait", (count) => {
    const { stack } = newStack();
    const ids = ["A", "B", "C"].slice(0, count);
    const roles = ids.map((id) => new Role(stack, `Role${id}`, { assumedBy: Trust.service("lambda.amazonaws.com") }));
    const functions = ids.map((id, i) => functionOf(stack, roles[i], id));
    roles.forEach((role, i) => role.addToPrincipalPolicy(new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [functions[(i + 1) % count].arn] })));
    // A -> A's policy -> B -> B's policy -> (C -> C's policy ->) A: each edge alone is fine, all of them close a cycle.
    const json = synth(stack);
    expect(orderingCycle(json)).toBeUndefined();
    const policyOf = (role: Role) => `aws_iam_role_policy.${role.policyResource!.friendlyUniqueId}`;
    expect(Object.values<any>(json.resource.aws_lambda_function).map((f) => f.depends_on)).toEqual([...roles.slice(0, -1).map((r) => [policyOf(r)]), undefined]);
  });

  it("adds no cycle through a key whose key policy names the role (a key policy does not use the role)", () => {
    const { stack } = newStack();
    const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    const keyPolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: role.roleArn }, Action: "kms:Decrypt", Resource: "*" }] };
    const key = new KmsKey(stack, "Key", { policy: JSON.stringify(keyPolicy) });
    const queue = new SqsQueue(stack, "Queue", { name: "q", kmsMasterKeyId: key.arn });
    // The grant is on the queue only: policy -> queue -> key, and the key's policy names the role.
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [queue.arn] }));
    const json = synth(stack);
    expect(orderingCycle(json)).toBeUndefined();
    expect(dependsOn(json, "aws_kms_key")).toBeUndefined();
  });

  it("does not count a principal named only in tags or a resource policy as a use", () => {
    const { stack } = newStack();
    const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    new DataStream(stack, "Stream", { streamName: "events", alarms: false }).grantRead(role);
    const keyPolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: role.roleArn }, Action: "kms:Decrypt", Resource: "*" }] };
    new KmsKey(stack, "Key", { policy: JSON.stringify(keyPolicy), tags: { reader: role.roleName } });
    expect(dependsOn(synth(stack), "aws_kms_key")).toBeUndefined();
  });

  it("finds an imported role by its literal ARN", () => {
    const { stack } = newStack();
    const role = Role.fromRoleArn(stack, "Existing", "arn:aws:iam::111122223333:role/existing");
    new DataStream(stack, "Stream", { streamName: "events", alarms: false }).grantRead(role);
    deliveryStreamOf(stack, role, role);
    const json = synth(stack);
    expect(dependsOn(json, "aws_kinesis_firehose_delivery_stream")).toEqual([addressOf(json, "aws_iam_role_policy")]);
    expect(Object.values<any>(json.resource.aws_kinesis_stream).map((s) => s.depends_on)).toEqual([undefined, undefined]);
  });
});
