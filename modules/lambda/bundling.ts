import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { zipSync } from "fflate";
import { isStampUpToDate, writeInputStamp } from "./input-stamp";

/**
 * Built-in handlers, by name (`authorizer`, `stream-consumer`), relative to this module: run from
 * source (modules/lambda/), their sources are `lambda-src/<name>/index.ts`, bundled at synth; run
 * from the compiled package (dist/modules/lambda/), they are bundles prebuilt at pack time in
 * `dist/lambda/<bundle folder>/` with their zips, which synth uses as they are.
 */
const HANDLER_SOURCE_DIR = path.join(__dirname, "..", "..", "lambda-src");
const PREBUILT_DIR = path.join(__dirname, "..", "..", "lambda");

/**
 * Where bundles of sources are built and cached: the folder `INGEST_BUNDLE_CACHE_DIR` names
 * (relative to the current directory), else `.build/lambda` under the directory synth runs in.
 */
function bundleCacheDir(): string {
  return path.resolve(process.env.INGEST_BUNDLE_CACHE_DIR || path.join(".build", "lambda"));
}

type Esbuild = typeof import("esbuild");

/** esbuild, an optional peer: needed only to bundle handler sources (a custom entry, or a checkout). */
function loadEsbuild(entryFile: string): Esbuild {
  try {
    return require("esbuild") as Esbuild;
  } catch {
    throw new Error(`NodejsFunction: bundling ${entryFile} needs esbuild; install it beside cdktf-streaming-ingest (npm install --save-dev esbuild)`);
  }
}

export interface BundleOptions {
  /** Modules left out of the bundle (they must exist in the runtime). @default [] (bundle everything) */
  readonly externalModules?: string[];
  /** @default true */
  readonly minify?: boolean;
  /** Write a source map next to the bundle (enable with NODE_OPTIONS=--enable-source-maps). @default true */
  readonly sourceMap?: boolean;
}

const cache = new Map<string, string>();

/** Forgets this process's bundles, so the next call checks the on-disk cache again (for tests and watchers). */
export function clearBundleMemo(): void {
  cache.clear();
}

/**
 * The bundle folder's stamp (see input-stamp.js): every input file esbuild read, with its content
 * hash. Kept outside the folder, so the archived asset holds only the bundle.
 */
function stampPath(outDir: string): string {
  return `${outDir}.inputs.json`;
}

let packageVersion: string | undefined;

/** This library's version: its package.json is the nearest one above this module, in source and in dist/. */
function libraryVersion(): string {
  if (packageVersion === undefined) {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    packageVersion = (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
  }
  return packageVersion;
}

/** The zip of a bundle folder (beside it): what Lambda receives. */
export function bundleZipPath(outDir: string): string {
  return `${outDir}.zip`;
}

/**
 * Zips the folder with fixed timestamps and sorted entries, so the same bundle gives the same
 * bytes (and the same source_code_hash) on every machine; done here, once per bundle, because
 * cdktf's ARCHIVE assets spawn a child process to zip on every synth.
 */
function writeDeterministicZip(outDir: string): void {
  const mtime = new Date("1980-01-01T00:00:00Z");
  const files = Object.fromEntries(
    fs
      .readdirSync(outDir)
      .sort()
      .map((f) => [f, [new Uint8Array(fs.readFileSync(path.join(outDir, f))), { mtime, level: 9 as const }]]),
  );
  fs.writeFileSync(bundleZipPath(outDir), zipSync(files as never));
}

/** Resolves a handler name (`stream-consumer`) or an absolute path to its entry (source) file. */
export function resolveEntry(entry: string): string {
  const file = path.isAbsolute(entry) ? entry : path.join(HANDLER_SOURCE_DIR, entry, "index.ts");
  if (!fs.existsSync(file)) throw new Error(`NodejsFunction: entry ${JSON.stringify(entry)} not found (looked for ${file})`);
  return file;
}

/** A built-in handler's bundle as the package ships it, or undefined (run from source, or other options). */
function prebuiltBundle(folder: string): string | undefined {
  const dir = path.join(PREBUILT_DIR, folder);
  return fs.existsSync(path.join(dir, "index.js")) && fs.existsSync(bundleZipPath(dir)) ? dir : undefined;
}

/** True when the package ships the handler prebuilt (with some options): a `<name>-<hash>` folder. */
function isPrebuilt(name: string): boolean {
  return fs.existsSync(PREBUILT_DIR) && fs.readdirSync(PREBUILT_DIR).some((f) => f.startsWith(`${name}-`) && /^[0-9a-f]{8}$/.test(f.slice(name.length + 1)));
}

/**
 * A handler's bundle: a folder holding `index.js` (+ map), with its zip beside it. A built-in
 * handler name gives the package's prebuilt bundle when there is one (the default options);
 * otherwise the source is bundled with esbuild: Node 22, CommonJS, minified. Memoized per
 * process, and across processes by the content hashes of every input file (esbuild's metafile),
 * so a synth whose handler code is unchanged skips esbuild. The output is deterministic, so the
 * asset hash changes only when the code does.
 * @param outRoot where bundles of sources are built. @default `.build/lambda` under the current directory
 */
export function bundleHandler(entry: string, options: BundleOptions = {}, outRoot: string = bundleCacheDir()): string {
  const opts = { externalModules: [...(options.externalModules ?? [])].sort(), minify: options.minify ?? true, sourceMap: options.sourceMap ?? true };
  const builtIn = !path.isAbsolute(entry);
  const workDir = process.cwd();
  // Relative (to the package for built-ins, else to the project), so the folder and asset name
  // are the same in every checkout and install.
  const source = builtIn ? `lambda-src/${entry}/index.ts` : path.relative(workDir, entry);
  const key = JSON.stringify([source, opts]);
  const name = builtIn ? entry : path.basename(path.dirname(entry));
  const folder = `${name}-${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
  const memoKey = JSON.stringify([outRoot, key]);
  const cached = cache.get(memoKey);
  if (cached) return cached;

  const prebuilt = builtIn ? prebuiltBundle(folder) : undefined;
  if (prebuilt) {
    cache.set(memoKey, prebuilt);
    return prebuilt;
  }
  if (builtIn && !fs.existsSync(path.join(HANDLER_SOURCE_DIR, entry)) && isPrebuilt(entry)) {
    throw new Error(
      `NodejsFunction: the built-in handler ${JSON.stringify(entry)} ships prebuilt with the default bundling options only; ` +
        "to bundle it otherwise, pass an absolute entry file",
    );
  }
  const entryFile = resolveEntry(entry);
  const esbuild = loadEsbuild(entryFile);
  const outDir = path.join(outRoot, folder);
  const buildOptions = {
    entryPoints: [entryFile],
    outfile: path.join(outDir, "index.js"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    // Prefer ES modules so unused parts of the SDK and Powertools are tree-shaken.
    mainFields: ["module", "main"],
    minify: opts.minify,
    sourcemap: opts.sourceMap ? "external" : false,
    sourcesContent: false,
    legalComments: "none",
    external: opts.externalModules,
    absWorkingDir: workDir,
    // Source map paths are relative to the bundle, and stay inside the project even when
    // node_modules is a link, so the zip (and source_code_hash) is the same wherever it lives.
    preserveSymlinks: true,
    metafile: true,
    logLevel: "error",
  } satisfies import("esbuild").BuildOptions;
  // Whatever else shapes the bundle: a library upgrade that changes an option rebuilds it.
  const settings = { library: libraryVersion(), esbuild: esbuild.version, options: buildOptions };
  if (!isStampUpToDate(stampPath(outDir), workDir, settings, [buildOptions.outfile, bundleZipPath(outDir)])) {
    fs.rmSync(outDir, { recursive: true, force: true });
    const result = esbuild.buildSync(buildOptions);
    writeDeterministicZip(outDir);
    writeInputStamp(stampPath(outDir), workDir, settings, Object.keys(result.metafile.inputs));
  }
  cache.set(memoKey, outDir);
  return outDir;
}
