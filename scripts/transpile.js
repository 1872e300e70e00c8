"use strict";
// Transpiles a TypeScript entry (and the project files it imports) into one CommonJS file,
// node_modules external. esbuild's metafile lists the files read; while their content hashes
// are unchanged the previous output is reused and esbuild is not started at all.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const hash = (f) => crypto.createHash("sha256").update(fs.readFileSync(path.resolve(root, f))).digest("hex");

function upToDate(outfile, stampFile) {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, "utf8"));
    return fs.existsSync(outfile) && Object.entries(stamp).every(([f, h]) => fs.existsSync(path.resolve(root, f)) && hash(f) === h);
  } catch {
    return false;
  }
}

/** Returns the path of the transpiled entry, under .build/. */
function transpile(entry, name = path.basename(entry, ".ts")) {
  const outfile = path.join(root, ".build", `${name}.js`);
  const stampFile = `${outfile}.inputs.json`;
  if (!upToDate(outfile, stampFile)) {
    const result = require("esbuild").buildSync({
      entryPoints: [path.resolve(root, entry)],
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
  return outfile;
}

module.exports = { transpile };
