import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";

import { projectRoot } from "../../../scripts/project-root";
import { PARTNER_PRODUCER_ENV } from "./emulated-deployment";
import { applyMutation, MUTATIONS, MutationName } from "./mutations";

/** The app's dev stack, synthesized once into a temp dir (as the deploy tier does, partner producer included, without the emulator). */
function devStack(): any {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "mutations-"));
  try {
    execFileSync(process.execPath, [path.join(projectRoot(), "scripts", "app.js")], { cwd: projectRoot(), env: { ...process.env, ...PARTNER_PRODUCER_ENV, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" } });
    return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "streaming-ingest-dev", "cdk.tf.json"), "utf8"));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const values = (json: any, type: string): any[] => Object.values(json.resource[type] ?? {});
const policyActions = (json: any, type: string, pathPart: string): string[] =>
  values(json, type)
    .filter((r) => r["//"].metadata.path.includes(pathPart))
    .flatMap((r) => JSON.parse(r.policy).Statement.flatMap((s: any) => [s.Action].flat()));

describe("wiring mutations of the synthesized dev stack", () => {
  const original = devStack();
  const mutated = (name: MutationName) => {
    const copy = structuredClone(original);
    applyMutation(name, copy);
    return copy;
  };

  it("removes exactly the named piece of wiring", () => {
    expect(values(mutated("no-authorizer"), "aws_api_gateway_method").map((m) => [m.authorization, m.authorizer_id])).toEqual([
      ["NONE", undefined],
      ["NONE", undefined],
    ]);
    expect(policyActions(mutated("no-table-grant"), "aws_iam_role_policy", "/Consumer/").filter((a) => a.startsWith("dynamodb:"))).toEqual([]);
    expect(policyActions(mutated("no-table-grant"), "aws_iam_role_policy", "/Consumer/")).toContain("kinesis:GetRecords");
    expect(values(mutated("no-report-batch-item-failures"), "aws_lambda_event_source_mapping")[0].function_response_types).toBeUndefined();
    expect(values(mutated("no-failure-destination"), "aws_lambda_event_source_mapping")[0].destination_config).toBeUndefined();
    expect(policyActions(mutated("no-producer-put-records"), "aws_iam_user_policy", "/Producer/")).toEqual(["kinesis:PutRecord"]);
    const authorizer = policyActions(mutated("no-secret-read-grant"), "aws_iam_role_policy", "/Api/Authorizer/");
    expect(authorizer).not.toContain("secretsmanager:GetSecretValue");
    expect(authorizer).toContain("kms:Decrypt");
    const consumer = policyActions(mutated("no-parking-send-grant"), "aws_iam_role_policy", "/Consumer/");
    expect(consumer).not.toContain("sqs:SendMessage");
    expect(consumer).toContain("s3:PutObject");
  });

  it("leaves the original untouched (the tier mutates its own copy)", () => {
    mutated("no-authorizer");
    expect(values(original, "aws_api_gateway_method").every((m) => m.authorization === "CUSTOM")).toBe(true);
  });

  it.each(Object.keys(MUTATIONS) as MutationName[])("%s refuses to pass silently when there is nothing to remove", (name) => {
    const once = mutated(name);
    expect(() => applyMutation(name, once)).toThrow(/mutation found no/);
  });

  it("rejects an unknown mutation by name", () => {
    expect(() => applyMutation("no-such" as MutationName, structuredClone(original))).toThrow('unknown mutation "no-such"');
  });
});
