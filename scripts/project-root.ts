import * as fs from "fs";
import * as path from "path";

/**
 * The checkout's root, for scripts, benchmarks and tests (not the library, which resolves its
 * handlers relative to itself): the nearest folder up from `from` holding package.json and
 * lambda-src, so it works from a transpiled copy under .build/ too.
 */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "lambda-src"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no project root (package.json + lambda-src) above ${from}`);
  }
}
