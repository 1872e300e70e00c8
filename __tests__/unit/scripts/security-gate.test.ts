import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { skipCheckov } from "../../../modules";
import { applyInlineSkips } from "../../../scripts/security-gate";
import { newStack } from "../../helpers/synth";

const rec = (check_id: string, resource: string) => ({ check_id, check_name: "a check", resource, file_path: "/s/cdk.tf.json" });
const stacks = (skips: Array<{ id: string; comment: string }>) => ({
  "/s/cdk.tf.json": { resource: { aws_s3_bucket: { Logs_1: { "//": { checkov: { skip: skips } } } }, aws_sqs_queue: { Q_2: {} } } },
});

describe("security gate", () => {
  it("passes a failed check only when its own resource skips that check with a reason", () => {
    const result = applyInlineSkips(
      [rec("CKV_AWS_144", "aws_s3_bucket.Logs_1"), rec("CKV_AWS_27", "resource.Q_2")],
      10,
      stacks([{ id: "CKV_AWS_144", comment: "replication is a DR decision" }]),
    );
    expect(result.skipped.map((s) => [s.check_id, s.resource, s.reason])).toEqual([["CKV_AWS_144", "aws_s3_bucket.Logs_1", "replication is a DR decision"]]);
    expect(result.unskipped.map((u) => [u.check_id, u.resource])).toEqual([["CKV_AWS_27", "aws_sqs_queue.Q_2"]]);
  });

  it("resolves checkov's 'resource.<name>' ids to the resource's type", () => {
    const result = applyInlineSkips([rec("CKV_AWS_144", "resource.Logs_1")], 0, stacks([{ id: "CKV_AWS_144", comment: "replication is a DR decision" }]));
    expect(result.unskipped).toEqual([]);
  });

  it("does not accept a skip without a reason, or for another check", () => {
    const result = applyInlineSkips(
      [rec("CKV_AWS_144", "aws_s3_bucket.Logs_1"), rec("CKV_AWS_18", "aws_s3_bucket.Logs_1")],
      0,
      stacks([{ id: "CKV_AWS_144", comment: " " }, { id: "CKV_AWS_21", comment: "a reason for a check that does not fail" }]),
    );
    expect(result.unskipped.map((u) => u.check_id)).toEqual(["CKV_AWS_144", "CKV_AWS_18"]);
    expect(result.stale.map((s) => s.id)).toEqual(["CKV_AWS_144", "CKV_AWS_21"]);
  });
});

describe("skipCheckov", () => {
  it("writes the skip into the resource's // block once, beside cdktf's metadata", () => {
    const { stack } = newStack();
    const bucket = new S3Bucket(stack, "B", {});
    skipCheckov(bucket, "CKV_AWS_144", "replication is a disaster-recovery decision");
    skipCheckov(bucket, "CKV_AWS_144", "replication is a disaster-recovery decision");
    skipCheckov(bucket, "CKV2_AWS_62", "no reader needs object-created events");
    const config = (stack.toTerraform() as any).resource.aws_s3_bucket.B;
    expect(config["//"].checkov.skip).toEqual([
      { id: "CKV_AWS_144", comment: "replication is a disaster-recovery decision" },
      { id: "CKV2_AWS_62", comment: "no reader needs object-created events" },
    ]);
    expect(config["//"].metadata.path).toBe("test/B");
  });

  it.each([
    ["a bad id", "AWS_144", "a long enough reason for it", '"AWS_144" is not a checkov check id'],
    ["no real reason", "CKV_AWS_144", "n/a", "the reason must say why the check does not apply"],
  ])("refuses %s", (_label, id, comment, message) => {
    const { stack } = newStack();
    expect(() => skipCheckov(new S3Bucket(stack, "B", {}), id, comment)).toThrow(message);
  });
});
