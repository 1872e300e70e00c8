#!/usr/bin/env node
"use strict";
// Compares two synthesized outputs (cdktf.out folders) stack by stack and block by block: the same
// stacks, the same resource addresses, the same arguments. They may differ only in metadata (the
// "//" blocks: engine name and version, construct paths) and in the provider version pins.
// Usage: node scripts/compare-synth.js <cdktf.out of one engine> <cdktf.out of the other>
const fs = require("fs");
const path = require("path");

/** How deep each top-level block names its elements, compared one by one (`resource.aws_x.name`). */
const NAMING_DEPTH = { resource: 2, data: 2, ephemeral: 2, output: 1, variable: 1, locals: 1, module: 1, provider: 1 };

const withoutMetadata = (value) => JSON.stringify(value, (key, v) => (key === "//" ? undefined : v));

/** The stack's JSON with what may differ taken out: metadata, and `required_providers.*.version`. */
function comparable(stackJson) {
  const copy = JSON.parse(withoutMetadata(stackJson));
  for (const provider of Object.values(copy.terraform?.required_providers ?? {})) delete provider.version;
  return copy;
}

/** The differences between two stacks' JSON, one line each: `<address>: <how>`. */
function diffStack(a, b) {
  const left = comparable(a);
  const right = comparable(b);
  const lines = [];
  for (const block of new Set([...Object.keys(left), ...Object.keys(right)])) {
    const depth = NAMING_DEPTH[block] ?? 0;
    const walk = (l, r, address, level) => {
      const named = (v) => v === undefined || (typeof v === "object" && v !== null && !Array.isArray(v));
      if (level === 0 || !named(l) || !named(r)) {
        if (l === undefined) lines.push(`${address}: only in the second`);
        else if (r === undefined) lines.push(`${address}: only in the first`);
        else if (JSON.stringify(l) !== JSON.stringify(r)) lines.push(`${address}: differs\n    first:  ${JSON.stringify(l)}\n    second: ${JSON.stringify(r)}`);
        return;
      }
      // An address on one side only is reported by its full name, each element of a missing type too.
      for (const key of [...new Set([...Object.keys(l ?? {}), ...Object.keys(r ?? {})])].sort()) walk(l?.[key], r?.[key], `${address}.${key}`, level - 1);
    };
    walk(left[block], right[block], block, depth);
  }
  return lines;
}

/** The differences between two cdktf.out folders: stacks present in one only, then each stack's. */
function compareSynth(firstOut, secondOut) {
  const stacksOf = (out) => fs.readdirSync(path.join(out, "stacks")).sort();
  const stacks = [...new Set([...stacksOf(firstOut), ...stacksOf(secondOut)])];
  const read = (out, stack) => {
    const file = path.join(out, "stacks", stack, "cdk.tf.json");
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
  };
  const lines = [];
  let resources = 0;
  for (const stack of stacks) {
    const a = read(firstOut, stack);
    const b = read(secondOut, stack);
    if (!a || !b) {
      lines.push(`${stack}: only in the ${a ? "first" : "second"}`);
      continue;
    }
    resources += Object.values(a.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
    lines.push(...diffStack(a, b).map((line) => `${stack}: ${line}`));
  }
  return { stacks, resources, differences: lines };
}

module.exports = { compareSynth, diffStack };

if (require.main === module) {
  const [first, second] = process.argv.slice(2);
  if (!first || !second) {
    console.error("usage: node scripts/compare-synth.js <cdktf.out> <other cdktf.out>");
    process.exit(2);
  }
  const { stacks, resources, differences } = compareSynth(first, second);
  if (differences.length > 0) {
    console.error(`The two syntheses differ (${differences.length}):\n${differences.join("\n")}`);
    process.exit(1);
  }
  console.log(`compare-synth: ${stacks.length} stacks, ${resources} resources, identical but for metadata and provider version pins`);
}
