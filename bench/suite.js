#!/usr/bin/env node
"use strict";
// Wall time of the unit tier (__tests__/unit: no moto, no deploy), median of N runs.
// Usage: node bench/suite.js [runs=3]
const path = require("path");
const { median, timeAlternately } = require("./lib");

const root = path.resolve(__dirname, "..");
const runs = Number(process.argv[2] || 3);
const jest = path.join(root, "node_modules", ".bin", "jest");
const name = "jest __tests__/unit (synth and unit tests, no moto)";
const times = timeAlternately([{ name, cmd: jest, args: ["__tests__/unit", "--silent"] }], runs, { cwd: root });
console.log(`### Unit suite wall time (median of ${runs} runs, 2 jest workers)\n\n| suite | median s |\n|---|---:|\n| ${name} | ${median(times[name]).toFixed(1)} |`);
