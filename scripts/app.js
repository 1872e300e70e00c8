#!/usr/bin/env node
// cdktf.json's "app": transpile main.ts with esbuild (types are checked by `npm test`, not here),
// keeping node_modules external, then run it. About 20 ms of transpiling instead of ts-node's
// seconds of type-checking; it needs nothing beyond `npm ci`.
"use strict";
const path = require("path");
const esbuild = require("esbuild");

const root = path.resolve(__dirname, "..");
const outfile = path.join(root, ".build", "main.js");
esbuild.buildSync({
  entryPoints: [path.join(root, "main.ts")],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: "inline",
  logLevel: "warning",
});
require(outfile).runApp();
