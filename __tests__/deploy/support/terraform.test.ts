import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { EmulatorGap, PlanJson, unexplainedChanges, writeCliConfig } from "./terraform";

const GAPS: EmulatorGap[] = [{ type: "aws_lambda_function", attribute: "logging_config", why: "not stored" }];
const change = (address: string, type: string, actions: string[], before: object | null, after: object | null) => ({
  address,
  type,
  change: { actions, before: before as Record<string, unknown> | null, after: after as Record<string, unknown> | null, after_unknown: {} },
});

describe("a second plan's changes against the emulator-gap allow-list", () => {
  it("tolerates an in-place update of only the listed attribute of the listed type", () => {
    const plan: PlanJson = { resource_changes: [change("aws_lambda_function.f", "aws_lambda_function", ["update"], { logging_config: [] }, { logging_config: [{ log_format: "JSON" }] })] };
    expect(unexplainedChanges(plan, GAPS)).toEqual([]);
  });

  it("reports an update of any other attribute, naming only that attribute", () => {
    const plan: PlanJson = {
      resource_changes: [change("aws_lambda_function.f", "aws_lambda_function", ["update"], { logging_config: [], timeout: 3 }, { logging_config: [{}], timeout: 10 })],
    };
    expect(unexplainedChanges(plan, GAPS)).toEqual([{ address: "aws_lambda_function.f", actions: ["update"], attributes: ["timeout"] }]);
  });

  it("reports the listed attribute on another type", () => {
    const plan: PlanJson = { resource_changes: [change("aws_sqs_queue.q", "aws_sqs_queue", ["update"], { logging_config: 1 }, { logging_config: 2 })] };
    expect(unexplainedChanges(plan, GAPS)).toHaveLength(1);
  });

  it("never tolerates a create, a delete or a replacement, listed attribute or not", () => {
    const plan: PlanJson = {
      resource_changes: [
        change("aws_s3_bucket.new", "aws_s3_bucket", ["create"], null, {}),
        change("aws_s3_bucket.old", "aws_s3_bucket", ["delete"], {}, null),
        change("aws_lambda_function.f", "aws_lambda_function", ["delete", "create"], { logging_config: [] }, { logging_config: [{}] }),
      ],
    };
    expect(unexplainedChanges(plan, GAPS).map((c) => c.actions.join("+"))).toEqual(["create", "delete", "delete+create"]);
  });

  it("counts an attribute known only after apply as a change", () => {
    const plan: PlanJson = { resource_changes: [{ ...change("aws_kms_key.k", "aws_kms_key", ["update"], { arn: "a" }, {}), change: { actions: ["update"], before: { arn: "a" }, after: {}, after_unknown: { arn: true } } }] };
    expect(unexplainedChanges(plan, GAPS)).toEqual([{ address: "aws_kms_key.k", actions: ["update"], attributes: ["arn"] }]);
  });

  it("ignores no-op and read entries", () => {
    const plan: PlanJson = { resource_changes: [change("aws_s3_bucket.b", "aws_s3_bucket", ["no-op"], {}, {}), change("data.aws_caller_identity.c", "aws_caller_identity", ["read"], null, {})] };
    expect(unexplainedChanges(plan, GAPS)).toEqual([]);
  });
});

describe("the deploy tier's Terraform CLI config", () => {
  it("takes hashicorp/aws from the mirror only, and everything else as usual", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfrc-"));
    try {
      const text = fs.readFileSync(writeCliConfig(dir, "/opt/mirror"), "utf8");
      expect(text).toContain('path    = "/opt/mirror"');
      expect(text).toMatch(/filesystem_mirror \{[^}]*include = \["registry.terraform.io\/hashicorp\/aws"\]/);
      expect(text).toMatch(/direct \{\s*exclude = \["registry.terraform.io\/hashicorp\/aws"\]/);
      // No shared plugin cache: the two deploy suites init at the same time.
      expect(text).not.toContain("plugin_cache_dir");
      expect(fs.readFileSync(writeCliConfig(dir, undefined), "utf8")).toBe("");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
