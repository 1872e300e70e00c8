#!/usr/bin/env node
"use strict";
// Synth speed of the pipeline, CDKTF against the equivalent AWS CDK app (bench/cdk-app), all
// variants run alternately in one run: the apps run by node, the two CLIs, and ts-node (cdktf
// init's default app command). Both apps use the same cached Lambda bundles.
// Usage: node bench/synth.js [runs=5]
const fs = require("fs");
const os = require("os");
const path = require("path");
const { median, timeAlternately } = require("./lib");

const root = path.resolve(__dirname, "..");
const runs = Number(process.argv[2] || 5);
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const tmp = (name) => fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
const dirs = { cdktf: tmp("cdktf"), cdk: tmp("cdk"), cdktfCli: tmp("cdktf-cli"), cdkCli: tmp("cdk-cli"), tsnode: tmp("tsnode") };
const cdkApp = path.join(root, "bench", "cdk-app");

const V = {
  cdktfNode: "CDKTF app by node (`node scripts/app.js`, cdktf.json app)",
  cdkNode: "AWS CDK app by node (bench/cdk-app)",
  cdktfCli: "`cdktf synth`",
  cdkCli: "`cdk synth`",
  tsnode: "CDKTF app by `ts-node main.ts` (cdktf init default)",
};
const variants = [
  { name: V.cdktfNode, cmd: process.execPath, args: ["scripts/app.js"], env: { CDKTF_OUTDIR: dirs.cdktf } },
  { name: V.cdkNode, cmd: process.execPath, args: ["scripts/run-ts.js", "bench/cdk-app/app.ts"], env: { CDK_OUTDIR: dirs.cdk } },
  { name: V.cdktfCli, cmd: bin("cdktf"), args: ["synth", "--output", dirs.cdktfCli] },
  { name: V.cdkCli, cmd: bin("cdk"), args: ["synth", "--quiet", "--output", dirs.cdkCli], cwd: cdkApp, env: { CDK_DISABLE_VERSION_CHECK: "1" } },
  { name: V.tsnode, cmd: bin("ts-node"), args: ["main.ts"], env: { CDKTF_OUTDIR: dirs.tsnode } },
];
try {
  const times = timeAlternately(variants, runs, { cwd: root });
  const m = (name) => median(times[name]);
  const row = (name, base) => `| ${name} | ${m(name).toFixed(2)} | ${base ? `${(m(name) / m(base)).toFixed(2)}×` : ""} |`;
  console.log(
    [
      `### Synth: CDKTF vs AWS CDK, two stacks (median of ${runs} alternating runs)`,
      "",
      "| command | median s | vs CDKTF |",
      "|---|---:|---:|",
      row(V.cdktfNode),
      row(V.cdkNode, V.cdktfNode),
      row(V.tsnode, V.cdktfNode),
      row(V.cdktfCli),
      row(V.cdkCli, V.cdktfCli),
    ].join("\n"),
  );
} finally {
  for (const d of Object.values(dirs)) fs.rmSync(d, { recursive: true, force: true });
}
