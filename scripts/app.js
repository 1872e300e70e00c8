#!/usr/bin/env node
// cdktf.json's "app": transpile main.ts with esbuild (types are checked by `npm test`, not here),
// keeping node_modules external, then run it. esbuild's metafile lists the project files read;
// while their content hashes are unchanged, the previous transpile is reused and esbuild is not
// started at all. It needs nothing beyond `npm ci`.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const outfile = path.join(root, ".build", "main.js");
const stampFile = `${outfile}.inputs.json`;
const hash = (f) => crypto.createHash("sha256").update(fs.readFileSync(path.resolve(root, f))).digest("hex");

function upToDate() {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, "utf8"));
    return fs.existsSync(outfile) && Object.entries(stamp).every(([f, h]) => fs.existsSync(path.resolve(root, f)) && hash(f) === h);
  } catch {
    return false;
  }
}

if (!upToDate()) {
  const result = require("esbuild").buildSync({
    entryPoints: [path.join(root, "main.ts")],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: "inline",
    metafile: true,
    absWorkingDir: root,
    logLevel: "warning",
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  fs.writeFileSync(stampFile, JSON.stringify(Object.fromEntries(inputs.map((f) => [f, hash(f)]))));
}
require(outfile).runApp();
