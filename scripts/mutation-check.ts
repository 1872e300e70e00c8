/**
 * `npm run mutation-check` (run by .ci/run after `npm test`): proves the deploy tier's tests can
 * fail. Each mutation removes one piece of wiring from a copy of the synthesized dev stack (see
 * __tests__/deploy/support/mutations.ts); the tier that should catch it runs again on that copy,
 * and must fail in the expected test for the expected reason. One line per mutation; exits
 * non-zero if any survived or failed for another reason.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { projectRoot } from "./project-root";
import { MUTATIONS, MutationName } from "../__tests__/deploy/support/mutations";

const ROOT = projectRoot();
const TIER = "__tests__/deploy/dev.e2e.test.ts";

/** Where each mutation must be caught: the failing test's name, and what its failure must say. */
const EXPECTED: Record<MutationName, { test: RegExp; reason: RegExp }> = {
  "no-authorizer": { test: /refuses a wrong password/, reason: /a wrong password was answered 200/ },
  "no-table-grant": { test: /makes no AWS call/, reason: /Consumer.* may not dynamodb:(PutItem|BatchGetItem)/ },
  "no-report-batch-item-failures": { test: /reports a record whose writes keep failing/, reason: /no ReportBatchItemFailures/ },
  "no-failure-destination": { test: /keeps retrying a record the deployment cannot write/, reason: /no on-failure destination/ },
  "no-producer-put-records": { test: /makes no AWS call/, reason: /user\/.*producer may not kinesis:PutRecords/ },
  "no-secret-read-grant": { test: /makes no AWS call/, reason: /Authorizer.* may not secretsmanager:GetSecretValue/ },
  "no-parking-send-grant": { test: /makes no AWS call/, reason: /Consumer.* may not sqs:SendMessage/ },
};

interface Outcome {
  mutation: MutationName;
  line: string;
  caught: boolean;
}

function runTier(mutation: MutationName): Promise<{ failures: Array<{ test: string; message: string }>; ran: number }> {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mutation-")), "report.json");
  return new Promise((resolve) => {
    execFile(
      path.join(ROOT, "node_modules", ".bin", "jest"),
      [TIER, "--json", `--outputFile=${report}`, "--silent"],
      { cwd: ROOT, env: { ...process.env, INGEST_DEPLOY_MUTATION: mutation }, maxBuffer: 64 * 1024 * 1024, timeout: 900_000 },
      () => {
        const json = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, "utf8")) : { testResults: [] };
        const results = json.testResults.flatMap((f: any) => f.assertionResults ?? []);
        const failures = results
          .filter((r: any) => r.status === "failed")
          .map((r: any) => ({ test: r.title as string, message: (r.failureMessages ?? []).join("\n") as string }));
        // A suite that failed before any test (a synth or setup error) counts as not caught for a reason.
        if (results.length === 0) failures.push({ test: "(the tier did not run)", message: json.testResults[0]?.message ?? "no report" });
        resolve({ failures, ran: results.length });
      },
    );
  });
}

async function check(mutation: MutationName): Promise<Outcome> {
  const { failures } = await runTier(mutation);
  const expected = EXPECTED[mutation];
  const first = failures[0];
  const label = `${mutation} (${MUTATIONS[mutation]})`;
  if (!first) return { mutation, caught: false, line: `SURVIVED  ${label}: every test passed` };
  const hit = failures.find((f) => expected.test.test(f.test) && expected.reason.test(f.message));
  if (!hit) return { mutation, caught: false, line: `WRONG     ${label}: failed in "${first.test}" but not for the expected reason: ${firstLine(first.message)}` };
  const reason = firstLine(hit.message.split("\n").find((l) => expected.reason.test(l)) ?? hit.message);
  return { mutation, caught: true, line: `caught    ${label}: by "${hit.test}": ${reason}` };
}

const firstLine = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "").trim().split("\n")[0].slice(0, 200);

async function main(): Promise<void> {
  const names = (process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(MUTATIONS)) as MutationName[];
  // One at a time by default: each run is a full deploy, and two at once on 2 cores crowd the timeouts.
  const parallel = Number(process.env.MUTATION_PARALLELISM ?? 1);
  const queue = [...names];
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const outcome = await check(name);
        console.log(outcome.line);
        outcomes.push(outcome);
      }
    }),
  );
  const survived = outcomes.filter((o) => !o.caught).length;
  console.log(`mutation-check: ${outcomes.length - survived} passed, ${survived} failed`);
  if (survived > 0) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
