"use strict";
// Transpiles a TypeScript entry (and the project files it imports) into one CommonJS file,
// node_modules external. esbuild's metafile lists the files read; while their content hashes
// are unchanged the previous output is reused and esbuild is not started at all (the stamp is
// the library bundler's: modules/lambda/input-stamp.js).
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");
const { isStampUpToDate, writeInputStamp } = require("../modules/lambda/input-stamp");

const root = path.resolve(__dirname, "..");
const settings = { esbuild: require("esbuild/package.json").version };
const stampPath = (outfile) => `${outfile}.inputs.json`;

/**
 * Project files keep their own __dirname once bundled into .build/ (the library finds its
 * handlers relative to itself): each use becomes the file's folder, relative to the output.
 */
function ownDirname(outfile) {
  return {
    name: "own-dirname",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.split(path.sep).includes("node_modules")) return undefined;
        const source = fs.readFileSync(args.path, "utf8");
        if (!/\b__dirname\b/.test(source)) return undefined;
        const rel = path.relative(path.dirname(outfile), path.dirname(args.path)).split(path.sep).join("/");
        return { contents: source.replace(/\b__dirname\b/g, `require("path").join(__dirname, ${JSON.stringify(rel)})`), loader: "ts" };
      });
    },
  };
}

/** The build itself, in a child process: esbuild runs plugins only in its asynchronous API. */
async function build(entry, outfile) {
  const result = await require("esbuild").build({
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
    plugins: [ownDirname(outfile)],
    logLevel: "warning",
  });
  // This file is an input too: a change to how it transpiles rebuilds every output.
  writeInputStamp(stampPath(outfile), root, settings, [...Object.keys(result.metafile.inputs), path.relative(root, __filename)]);
}

/** Returns the path of the transpiled entry, under .build/. */
function transpile(entry, name = path.basename(entry, ".ts")) {
  const outfile = path.join(root, ".build", `${name}.js`);
  if (!isStampUpToDate(stampPath(outfile), root, settings, [outfile])) {
    const child = spawnSync(process.execPath, [__filename, entry, outfile], { stdio: "inherit" });
    if (child.status !== 0) throw new Error(`transpiling ${entry} failed (exit ${child.status ?? child.signal})`);
  }
  return outfile;
}

if (require.main === module) {
  build(process.argv[2], process.argv[3]).catch(() => process.exit(1));
}

module.exports = { transpile };
