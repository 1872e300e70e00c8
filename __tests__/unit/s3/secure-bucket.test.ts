import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecureBucket } from "../../../modules";
import { newStack, synth, testApp } from "../../helpers/synth";

/** A stack whose default provider is in `region`. */
function stackIn(region: string): TerraformStack {
  const stack = new TerraformStack(testApp(), "test");
  new AwsProvider(stack, "aws", { region });
  return stack;
}

describe("SecureBucket.fromBucketName", () => {
  it.each([
    ["eu-west-1", "arn:aws:s3:::archive"],
    ["cn-north-1", "arn:aws-cn:s3:::archive"],
    ["us-gov-west-1", "arn:aws-us-gov:s3:::archive"],
  ])("builds the ARN in the partition of the stack's provider (%s)", (region, arn) => {
    expect(SecureBucket.fromBucketName(stackIn(region), "archive")).toMatchObject({ bucketName: "archive", bucketArn: arn });
  });

  it("keeps the scope-less form, which builds an aws ARN unless told another partition", () => {
    expect(SecureBucket.fromBucketName("archive").bucketArn).toBe("arn:aws:s3:::archive");
    expect(SecureBucket.fromBucketName("archive", { partition: "aws-cn" }).bucketArn).toBe("arn:aws-cn:s3:::archive");
  });

  it.each([
    ["Bad_Bucket"],
    ["ab"],
    ["a".repeat(64)],
    ["my..bucket"],
    ["-archive"],
    ["192.168.5.4"],
    ["xn--archive"],
    ["archive-s3alias"],
    ["archive--x-s3"],
  ])("refuses %p, naming the property, the value and S3's rules", (name) => {
    const message = `SecureBucket.fromBucketName: bucketName must follow S3 bucket naming rules (3–63 characters of [a-z0-9.-], starting and ending with a letter or digit, no "..", not an IP address, not starting with xn--, sthree- or amzn-s3-demo-, not ending with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3); got ${JSON.stringify(name)}`;
    expect(() => SecureBucket.fromBucketName(stackIn("eu-west-1"), name)).toThrow(message);
    expect(() => SecureBucket.fromBucketName(name)).toThrow(message);
  });

  it("applies the same rules to a bucket it creates", () => {
    const { stack } = newStack();
    expect(() => new SecureBucket(stack, "B", { bucketName: "my..bucket" })).toThrow('test/B: bucketName must follow S3 bucket naming rules');
    expect(() => new SecureBucket(stack, "C", { bucketName: "legacy.archive-2024" })).not.toThrow();
  });
});

describe("SecureBucket outputs", () => {
  it("emits its name and ARN by default, as <id>_bucket_name and <id>_bucket_arn", () => {
    const { stack } = newStack();
    new SecureBucket(stack, "Archive", { bucketPrefix: "archive" });
    const output = synth(stack).output!;
    expect(Object.keys(output).sort()).toEqual(["Archive_bucket_arn", "Archive_bucket_name"]);
    expect(output.Archive_bucket_name.value).toMatch(/^\$\{aws_s3_bucket\.Archive_\w+\.bucket\}$/);
    expect(output.Archive_bucket_arn.value).toMatch(/^\$\{aws_s3_bucket\.Archive_\w+\.arn\}$/);
  });

  it("emits none with outputs: false", () => {
    const { stack } = newStack();
    new SecureBucket(stack, "Archive", { outputs: false });
    expect(synth(stack).output).toBeUndefined();
  });

  it("refuses a second construct emitting the same output name, naming both", () => {
    const { stack } = newStack();
    new SecureBucket(stack, "Archive");
    expect(() => new SecureBucket(new Construct(stack, "Team"), "Archive")).toThrow(
      "test/Team/Archive: output Archive_bucket_name is already emitted by test/Archive; set outputs: false on one of them or give it another id",
    );
  });
});
