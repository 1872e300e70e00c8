#!/usr/bin/env node
// Runs a TypeScript file (benchmarks, the e2e run): esbuild transpiles it with node_modules
// external into .build/, then node runs it with the remaining arguments.
"use strict";
const path = require("path");
const esbuild = require("esbuild");

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.js <file.ts> [args...]");
  process.exit(2);
}
const root = path.resolve(__dirname, "..");
const outfile = path.join(root, ".build", "run", `${path.basename(entry, ".ts")}.js`);
esbuild.buildSync({
  entryPoints: [path.resolve(entry)],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: "inline",
  logLevel: "warning",
});
process.argv = [process.argv[0], outfile, ...args];
require(outfile);
