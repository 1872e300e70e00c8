import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { buildSync, version as esbuildVersion } from "esbuild";
import { zipSync } from "fflate";

/** The project root: the nearest folder up from this file holding package.json and lambda-src (works bundled too). */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "lambda-src"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no project root (package.json + lambda-src) above ${from}`);
  }
}

/** Where handler sources live: `lambda-src/<name>/index.ts`. */
export const LAMBDA_SRC_DIR = path.join(projectRoot(), "lambda-src");
const BUILD_DIR = path.join(projectRoot(), ".build", "lambda");

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
 * The bundle folder's stamp: every input file esbuild read, with its content hash. Kept outside
 * the folder, so the archived asset holds only the bundle.
 */
function stampPath(outDir: string): string {
  return `${outDir}.inputs.json`;
}

function fileHash(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function writeInputsStamp(outDir: string, inputs: string[]): void {
  const root = projectRoot();
  const hashes = Object.fromEntries(inputs.sort().map((f) => [f, fileHash(path.resolve(root, f))]));
  fs.writeFileSync(stampPath(outDir), JSON.stringify({ esbuild: esbuildVersion, hashes }));
}

/** True when the folder was built by this esbuild from inputs that are all unchanged. */
function isUpToDate(outDir: string): boolean {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampPath(outDir), "utf8")) as { esbuild: string; hashes: Record<string, string> };
    if (stamp.esbuild !== esbuildVersion || !fs.existsSync(path.join(outDir, "index.js")) || !fs.existsSync(bundleZipPath(outDir))) {
      return false;
    }
    const root = projectRoot();
    return Object.entries(stamp.hashes).every(([f, h]) => fs.existsSync(path.resolve(root, f)) && fileHash(path.resolve(root, f)) === h);
  } catch {
    return false;
  }
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

/** Resolves a handler name (`stream-consumer`) or a path to its entry file. */
export function resolveEntry(entry: string): string {
  const file = path.isAbsolute(entry) ? entry : path.join(LAMBDA_SRC_DIR, entry, "index.ts");
  if (!fs.existsSync(file)) throw new Error(`NodejsFunction: entry ${JSON.stringify(entry)} not found (looked for ${file})`);
  return file;
}

/**
 * Bundles a handler with esbuild into a folder holding `index.js` (+ map): Node 22, CommonJS,
 * minified. Memoized per process, and across processes by the content hashes of every input
 * file (esbuild's metafile), so a synth whose handler code is unchanged skips esbuild. The
 * output is deterministic, so the asset hash changes only when the code does.
 */
export function bundleHandler(entry: string, options: BundleOptions = {}): string {
  const entryFile = resolveEntry(entry);
  const opts = { externalModules: [...(options.externalModules ?? [])].sort(), minify: options.minify ?? true, sourceMap: options.sourceMap ?? true };
  // Relative to the project, so the folder (and asset) name is the same in every checkout.
  const key = JSON.stringify([path.relative(projectRoot(), entryFile), opts]);
  const cached = cache.get(key);
  if (cached) return cached;

  const name = path.basename(path.dirname(entryFile));
  const outDir = path.join(BUILD_DIR, `${name}-${createHash("sha256").update(key).digest("hex").slice(0, 8)}`);
  if (!isUpToDate(outDir)) {
    fs.rmSync(outDir, { recursive: true, force: true });
    const result = buildSync({
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
      absWorkingDir: projectRoot(),
      // Paths in the source map stay inside the checkout even when node_modules is a link,
      // so the zip (and source_code_hash) is the same wherever the project lives.
      preserveSymlinks: true,
      metafile: true,
      logLevel: "error",
    });
    writeDeterministicZip(outDir);
    writeInputsStamp(outDir, Object.keys(result.metafile!.inputs));
  }
  cache.set(key, outDir);
  return outDir;
}
