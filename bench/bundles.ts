/**
 * Lambda bundles: size (raw and deflated, ≈ the zip) and cold-init time (a fresh `node`
 * requiring the bundle, minus an empty `node`), with the AWS SDK bundled vs left to the
 * runtime (external; resolved here from node_modules as the runtime would from its own copy).
 * Usage: node scripts/run-ts.js bench/bundles.ts [runs=10]
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { bundleHandler } from "../modules/lambda/bundling";
import { projectRoot } from "../scripts/project-root";

const { median, timeAlternately } = require("./lib");

const runs = Number(process.argv[2] ?? 10);
const root = projectRoot();
const LAMBDA_SRC_DIR = path.join(root, "lambda-src");
const handlers = fs.readdirSync(LAMBDA_SRC_DIR).filter((d) => fs.existsSync(path.join(LAMBDA_SRC_DIR, d, "index.ts")));
// Module-scope configuration the handlers read at init.
const env = { TABLE_NAME: "bench", SECRET_ID: "bench", AWS_REGION: "eu-west-1", NODE_PATH: path.join(root, "node_modules"), NODE_NO_WARNINGS: "1" };

console.log(`### Lambda bundles (cold init: median of ${runs} alternating fresh-process requires, minus an empty node)\n`);
console.log("| handler | AWS SDK | index.js KB | deflated KB | cold init ms |\n|---|---|---:|---:|---:|");
for (const handler of handlers) {
  const variants = [
    { label: "bundled (default)", dir: bundleHandler(handler) },
    { label: "external (runtime's)", dir: bundleHandler(handler, { externalModules: ["@aws-sdk/*"] }) },
  ];
  const times = timeAlternately(
    [
      { name: "empty", cmd: process.execPath, args: ["-e", "0"], env },
      ...variants.map((v) => ({ name: v.label, cmd: process.execPath, args: ["-e", `require(${JSON.stringify(path.join(v.dir, "index.js"))})`], env })),
    ],
    runs,
  );
  const empty = median(times.empty);
  for (const v of variants) {
    const code = fs.readFileSync(path.join(v.dir, "index.js"));
    const deflated = zlib.deflateRawSync(code, { level: 9 }).length;
    console.log(
      `| ${handler} | ${v.label} | ${(code.length / 1024).toFixed(0)} | ${(deflated / 1024).toFixed(0)} | ${((median(times[v.label]) - empty) * 1000).toFixed(0)} |`,
    );
  }
}
