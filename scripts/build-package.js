#!/usr/bin/env node
// `npm run build` (and prepack): the library compiled into dist/ (tsconfig.build.json: JS and
// .d.ts of modules/, the "." and "./testing" entry points among them), then the built-in handlers prebuilt into dist/lambda/ by the compiled
// bundler itself, so the package synthesizes them without esbuild or lambda-src. The bundles
// are deterministic and named as a checkout's synth names them (same zip, same hash). Reports go
// to stderr: stdout stays `npm pack --json`'s.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
// Bundle keys are relative to the current directory (lambda-src/<name>/index.ts).
process.chdir(root);
fs.rmSync(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], { stdio: ["ignore", 2, 2] });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// The library's plain-JavaScript modules (shared with scripts/, see input-stamp.js) with their
// declarations: tsc compiles only the TypeScript ones.
for (const js of fs.readdirSync(path.join(root, "modules"), { recursive: true }).filter((f) => f.endsWith(".js"))) {
  for (const file of [js, js.replace(/\.js$/, ".d.ts")]) fs.copyFileSync(path.join(root, "modules", file), path.join(dist, "modules", file));
}

// Every entry point package.json exports (".", "./testing") must have been built: a missing one
// would only show as a failed require in a user's project.
const { exports: entryPoints } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
for (const [entry, target] of Object.entries(entryPoints)) {
  for (const file of typeof target === "string" ? [target] : Object.values(target)) {
    if (!fs.existsSync(path.join(root, file))) {
      console.error(`build-package: package.json exports ${JSON.stringify(entry)} as ${file}, which the build did not produce`);
      process.exit(1);
    }
  }
}

const { bundleHandler } = require(path.join(dist, "modules", "lambda", "bundling.js"));
const sources = path.join(root, "lambda-src");
const outRoot = path.join(dist, "lambda");
for (const name of fs.readdirSync(sources).sort()) {
  const entry = path.join(sources, name, "index.ts");
  if (!fs.existsSync(entry)) continue;
  const dir = bundleHandler(entry, {}, outRoot);
  fs.rmSync(`${dir}.inputs.json`); // the bundler's cache stamp: not part of the package
  console.error(`prebuilt ${path.relative(root, dir)} (+ .zip)`);
}
