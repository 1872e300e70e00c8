"use strict";
// Transpiles a TypeScript entry (and the project files it imports) into one CommonJS file,
// node_modules external. esbuild's metafile lists the files read; while their content hashes
// are unchanged the previous output is reused and esbuild is not started at all.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

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
  // This file too: a change to how it transpiles rebuilds every output.
  const inputs = [...Object.keys(result.metafile.inputs), path.relative(root, __filename)].sort();
  fs.writeFileSync(`${outfile}.inputs.json`, JSON.stringify(Object.fromEntries(inputs.map((f) => [f, hash(f)]))));
}

/** Returns the path of the transpiled entry, under .build/. */
function transpile(entry, name = path.basename(entry, ".ts")) {
  const outfile = path.join(root, ".build", `${name}.js`);
  if (!upToDate(outfile, `${outfile}.inputs.json`)) {
    const child = spawnSync(process.execPath, [__filename, entry, outfile], { stdio: "inherit" });
    if (child.status !== 0) throw new Error(`transpiling ${entry} failed (exit ${child.status ?? child.signal})`);
  }
  return outfile;
}

if (require.main === module) {
  build(process.argv[2], process.argv[3]).catch(() => process.exit(1));
}

module.exports = { transpile };
