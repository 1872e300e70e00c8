"use strict";
// The stamp of a cached esbuild output: the content hash of every input file esbuild read (its
// metafile), and a hash of everything else the output depends on (versions, build options). Plain
// JavaScript without dependencies, so that scripts/transpile.js shares it before anything is
// compiled; the library's build copies it into dist/ beside bundling.js.
const { createHash } = require("crypto");
const fs = require("fs");
const path = require("path");

const sha256 = (data) => createHash("sha256").update(data).digest("hex");
const fileHash = (file) => sha256(fs.readFileSync(file));

/**
 * Writes `stampFile`: the hash of `settings` (JSON-serializable) and the content hash of each
 * input, given relative to `workDir`.
 */
function writeInputStamp(stampFile, workDir, settings, inputs) {
  const hashes = Object.fromEntries([...inputs].sort().map((f) => [f, fileHash(path.resolve(workDir, f))]));
  fs.writeFileSync(stampFile, JSON.stringify({ settings: sha256(JSON.stringify(settings)), hashes }));
}

/**
 * True when every output exists and the stamp was written with equal settings, from inputs that
 * are all unchanged.
 */
function isStampUpToDate(stampFile, workDir, settings, outputs) {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, "utf8"));
    if (stamp.settings !== sha256(JSON.stringify(settings)) || !outputs.every((f) => fs.existsSync(f))) return false;
    return Object.entries(stamp.hashes).every(([f, h]) => fs.existsSync(path.resolve(workDir, f)) && fileHash(path.resolve(workDir, f)) === h);
  } catch {
    return false;
  }
}

module.exports = { writeInputStamp, isStampUpToDate };
