import { resourceValues as all, synthApp as synthAppWith } from "../../helpers/app";

const CONTEXT = { environments: { dev: {}, prod: { region: "eu-west-1" } } };
const synthApp = (env: NodeJS.ProcessEnv = {}) => synthAppWith(env, CONTEXT);
const STATEFUL = ["aws_kinesis_stream", "aws_dynamodb_table", "aws_s3_bucket", "aws_sqs_queue", "aws_secretsmanager_secret", "aws_kms_key"];

describe("removal policy", () => {
  const stacks = synthApp();
  const prod = stacks["streaming-ingest-prod"];
  const dev = stacks["streaming-ingest-dev"];

  it("RETAIN (prod's default): prevent_destroy on every data-holding resource, deletion protection, buckets never emptied", () => {
    for (const type of STATEFUL) {
      expect(all(prod, type).length).toBeGreaterThan(0);
      for (const r of all(prod, type)) expect([type, r.lifecycle?.prevent_destroy]).toEqual([type, true]);
    }
    for (const table of all(prod, "aws_dynamodb_table")) expect(table.deletion_protection_enabled).toBe(true);
    for (const bucket of all(prod, "aws_s3_bucket")) expect(bucket.force_destroy).toBe(false);
    expect(all(prod, "aws_secretsmanager_secret")[0].recovery_window_in_days).toBe(30);
  });

  it("DESTROY (dev's default): nothing prevents destroy, buckets are emptied, secrets go at once", () => {
    for (const type of STATEFUL) for (const r of all(dev, type)) expect([type, r.lifecycle?.prevent_destroy ?? false]).toEqual([type, false]);
    for (const table of all(dev, "aws_dynamodb_table")) expect(table.deletion_protection_enabled).toBe(false);
    for (const bucket of all(dev, "aws_s3_bucket")) expect(bucket.force_destroy).toBe(true);
    expect(all(dev, "aws_secretsmanager_secret")[0].recovery_window_in_days).toBe(0);
  });

  it("keeps point-in-time recovery on under both", () => {
    for (const json of [dev, prod]) for (const t of all(json, "aws_dynamodb_table")) expect(t.point_in_time_recovery).toEqual({ enabled: true });
  });

  it("can be set per run, and refuses anything but RETAIN or DESTROY", () => {
    const retained = synthApp({ INGEST_REMOVAL_POLICY: "RETAIN" })["streaming-ingest-dev"];
    expect(all(retained, "aws_kinesis_stream")[0].lifecycle).toEqual({ prevent_destroy: true });
    expect(() => synthApp({ INGEST_REMOVAL_POLICY: "KEEP" })).toThrow('INGEST_REMOVAL_POLICY must be RETAIN or DESTROY; got "KEEP"');
  });
});
