import * as fs from "fs";
import * as path from "path";
import { AppRun as Run, runAppProcess as runApp, stacksWritten as written } from "../../helpers/run-app";

/**
 * The app as cdktf runs it (`node scripts/app.js`, cdktf.json's "app"), in a child process: a bad
 * setting prints one line on stderr naming the variable or context key and the value, no stack
 * trace, exits non-zero and writes nothing.
 */
const CASES: Array<[string, Record<string, string>, string]> = [
  ["an unknown environment (typo)", { INGEST_ENVIRONMENTS: "dev,prdo" }, 'Error: INGEST_ENVIRONMENTS="dev,prdo" names "prdo", which is not an environment of context environments (dev, prod)'],
  ["an environment twice", { INGEST_ENVIRONMENTS: "dev,dev" }, 'Error: INGEST_ENVIRONMENTS="dev,dev" names dev twice; name each environment once'],
  ["a bad prefix, as typed", { INGEST_NAME_PREFIX: "Acme_" }, 'Error: INGEST_NAME_PREFIX must match [a-z][a-z0-9-]{0,23}; got "Acme_"'],
  ["one state key for two stacks", { TF_STATE_BUCKET: "b", TF_STATE_KEY: "shared.tfstate" }, "Error: stacks streaming-ingest-dev and streaming-ingest-prod would share one state, s3://b/shared.tfstate; put {stack} in TF_STATE_KEY"],
  ["an INGEST_CONTEXT that is not JSON", { INGEST_CONTEXT: "{region: eu}" }, 'Error: INGEST_CONTEXT must be a JSON object of context keys; got "{region: eu}"'],
  ["a bad region through INGEST_CONTEXT", { INGEST_CONTEXT: '{"environments":{"qa":{"region":"moon-1"}}}' }, 'Error: context environments.qa.region must be an AWS region such as eu-west-1; got "moon-1"'],
];

describe("config errors of the app, run as cdktf runs it", () => {
  let runs: Run[];
  beforeAll(async () => {
    // One after another: concurrent first runs would race on scripts/app.js's transpile cache.
    runs = [];
    for (const [, env] of CASES) runs.push(await runApp(env));
  }, 60_000);
  afterAll(() => runs.forEach((r) => fs.rmSync(r.outdir, { recursive: true, force: true })));

  it.each(CASES.map((c, i) => [c[0], i, c[2]] as const))("%s: one line naming the setting and value, no stack trace, exit 1, nothing written", (_label, i, message) => {
    const run = runs[i];
    expect(run.stderr.trimEnd().split("\n")).toEqual([expect.stringContaining(message)]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.code).toBe(1);
    expect(written(run.outdir)).toEqual([]);
  });
});

describe("INGEST_CONTEXT, the context override that reaches the app through cdktf-cli", () => {
  it("replaces cdktf.json's environments even though CDKTF_CONTEXT_JSON holds cdktf.json's context", async () => {
    const run = await runApp({ INGEST_CONTEXT: '{"environments":{"qa":{"region":"eu-central-1"}}}' });
    try {
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(written(run.outdir)).toEqual(["streaming-ingest-qa"]);
      const json = JSON.parse(fs.readFileSync(path.join(run.outdir, "stacks", "streaming-ingest-qa", "cdk.tf.json"), "utf8"));
      expect(json.provider.aws[0].region).toBe("eu-central-1");
    } finally {
      fs.rmSync(run.outdir, { recursive: true, force: true });
    }
  }, 60_000);
});
