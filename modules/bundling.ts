import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { buildSync } from "esbuild";

/** Where handler sources live: `lambda-src/<name>/index.ts`. */
export const LAMBDA_SRC_DIR = path.resolve(__dirname, "..", "lambda-src");
const BUILD_DIR = path.resolve(__dirname, "..", ".build", "lambda");

export interface BundleOptions {
  /** Modules left out of the bundle (they must exist in the runtime). @default [] (bundle everything) */
  readonly externalModules?: string[];
  /** @default true */
  readonly minify?: boolean;
  /** Write a source map next to the bundle (enable with NODE_OPTIONS=--enable-source-maps). @default true */
  readonly sourceMap?: boolean;
}

const cache = new Map<string, string>();

/** Resolves a handler name (`stream-consumer`) or a path to its entry file. */
export function resolveEntry(entry: string): string {
  const file = path.isAbsolute(entry) ? entry : path.join(LAMBDA_SRC_DIR, entry, "index.ts");
  if (!fs.existsSync(file)) throw new Error(`NodejsFunction: entry ${JSON.stringify(entry)} not found (looked for ${file})`);
  return file;
}

/**
 * Bundles a handler with esbuild into a folder holding `index.js` (+ map): Node 22, CommonJS,
 * minified. Memoized per process, so many functions from one entry (and many tests) bundle once.
 * The output is deterministic, so the asset hash changes only when the code does.
 */
export function bundleHandler(entry: string, options: BundleOptions = {}): string {
  const entryFile = resolveEntry(entry);
  const opts = { externalModules: [...(options.externalModules ?? [])].sort(), minify: options.minify ?? true, sourceMap: options.sourceMap ?? true };
  const key = JSON.stringify([entryFile, opts]);
  const cached = cache.get(key);
  if (cached) return cached;

  const name = path.basename(path.dirname(entryFile));
  const outDir = path.join(BUILD_DIR, `${name}-${createHash("sha256").update(key).digest("hex").slice(0, 8)}`);
  fs.rmSync(outDir, { recursive: true, force: true });
  buildSync({
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
    absWorkingDir: path.resolve(__dirname, ".."),
    logLevel: "error",
  });
  cache.set(key, outDir);
  return outDir;
}
