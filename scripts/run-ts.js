#!/usr/bin/env node
// Runs a TypeScript file (benchmarks, the e2e run) with the remaining arguments.
"use strict";
const path = require("path");
const { transpile } = require("./transpile");

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.js <file.ts> [args...]");
  process.exit(2);
}
const name = path.relative(path.resolve(__dirname, ".."), path.resolve(entry)).replace(/\.ts$/, "").replace(/[\\/]/g, "-");
const outfile = transpile(entry, `run/${name}`);
process.argv = [process.argv[0], outfile, ...args];
require(outfile);
