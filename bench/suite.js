#!/usr/bin/env node
"use strict";
// Wall time of the unit suite (jest without the moto integration tests and the deploy tier), median of N runs.
// Usage: node bench/suite.js [runs=3]
const path = require("path");
const { median, timeAlternately } = require("./lib");

const root = path.resolve(__dirname, "..");
const runs = Number(process.argv[2] || 3);
const jest = path.join(root, "node_modules", ".bin", "jest");
const name = "jest, synth and unit tests (no moto tier)";
const times = timeAlternately([{ name, cmd: jest, args: ["--testPathIgnorePatterns", "\\.int\\.test\\.ts$", "__tests__/deploy/", "--silent"] }], runs, { cwd: root });
console.log(`### Unit suite wall time (median of ${runs} runs, 2 jest workers)\n\n| suite | median s |\n|---|---:|\n| ${name} | ${median(times[name]).toFixed(1)} |`);
