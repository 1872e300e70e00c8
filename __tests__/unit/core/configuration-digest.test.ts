import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { ConfigurationDigest } from "../../../modules/core/configuration-digest";
import { PolicyStatement, Role, Trust } from "../../../modules";
import { newStack, onlyResource, synth } from "../../helpers/synth";

/** A digest of resources' configuration: known at synth, changes with it, and names nothing. */
function stackWithDigest(shardCount = 1) {
  const { stack } = newStack();
  const stream = new KinesisStream(stack, "Stream", { name: "events", shardCount });
  const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
  role.addToPrincipalPolicy(new PolicyStatement({ actions: ["kinesis:GetRecords"], resources: [stream.arn] }));
  let resolutions = 0;
  // The digest sits in a resource that uses the role, so the role's policy aspect reads it.
  new LambdaFunction(stack, "Function", {
    functionName: "f",
    role: role.roleArn,
    handler: "index.handler",
    runtime: "nodejs22.x",
    filename: "f.zip",
    environment: { variables: { SHAPE: ConfigurationDigest.asString(() => (resolutions++, [stream])) } },
  });
  return { stack, resolutions: () => resolutions };
}

const digestOf = (json: any) => onlyResource(json, "aws_lambda_function").environment.variables.SHAPE;

describe("ConfigurationDigest", () => {
  it("is a SHA-256 of the resources' synthesized configuration: the same for the same configuration, another for another", () => {
    const digest = digestOf(synth(stackWithDigest().stack));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digestOf(synth(stackWithDigest().stack))).toBe(digest);
    expect(digestOf(synth(stackWithDigest(2).stack))).not.toBe(digest);
  });

  it("is resolved once per synth: the policy dependency aspect, reading configurations for references, skips it", () => {
    const { stack, resolutions } = stackWithDigest();
    const json = synth(stack);
    expect(resolutions()).toBe(1);
    // The aspect still ran over that function: it waits for its role's policy.
    expect(onlyResource(json, "aws_lambda_function").depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\.Role_/)]);
  });
});
