#!/usr/bin/env node
"use strict";
// Synth speed: the app's own synth (`node scripts/app.js`, what cdktf.json runs), the
// `cdktf init` default (`ts-node main.ts`), and the full `cdktf synth` CLI, run alternately.
// Usage: node bench/synth.js [runs=5]
const fs = require("fs");
const os = require("os");
const path = require("path");
const { median, timeAlternately } = require("./lib");

const root = path.resolve(__dirname, "..");
const runs = Number(process.argv[2] || 5);
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
const env = { CDKTF_OUTDIR: outdir };

const variants = [
  { name: "node scripts/app.js (esbuild transpile, cdktf.json app)", cmd: process.execPath, args: ["scripts/app.js"], env },
  { name: "ts-node main.ts (cdktf init default)", cmd: bin("ts-node"), args: ["main.ts"], env },
  { name: "cdktf synth (CLI, runs the app)", cmd: bin("cdktf"), args: ["synth", "--output", outdir], env },
];
try {
  const times = timeAlternately(variants, runs, { cwd: root });
  const base = median(times[variants[0].name]);
  const rows = variants.map((v) => {
    const m = median(times[v.name]);
    return `| ${v.name} | ${m.toFixed(2)} | ${(m / base).toFixed(2)}× |`;
  });
  const table = [
    `### Synth (median of ${runs} alternating runs)`,
    "",
    "| command | median s | vs app |",
    "|---|---:|---:|",
    ...rows,
  ].join("\n");
  console.log(table);
} finally {
  fs.rmSync(outdir, { recursive: true, force: true });
}
