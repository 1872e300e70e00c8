import * as fs from "fs";
import * as path from "path";

/**
 * The app uses the library as a package user would: through its public entry point (modules/index.ts,
 * what the package's `exports["."]` is compiled from), never a file inside modules/ — so everything
 * the app needs is exported, and nothing it relies on is internal.
 */
const ROOT = path.resolve(__dirname, "..", "..", "..");
const appFiles = ["main.ts", ...fs.readdirSync(path.join(ROOT, "app")).filter((f) => f.endsWith(".ts")).map((f) => `app/${f}`)];

/** Every module specifier of a file's imports, re-exports, require() and import() calls. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const re of [/\bfrom\s+["']([^"']+)["']/g, /\bimport\s+["']([^"']+)["']/g, /\b(?:require|import)\s*\(\s*["']([^"']+)["']\s*\)/g]) {
    for (const m of source.matchAll(re)) found.push(m[1]);
  }
  return found;
}

/** The imports of `file` that reach into modules/ below its index. */
function deepImports(file: string, source: string): string[] {
  const modules = path.join(ROOT, "modules");
  return specifiers(source).filter((s) => {
    if (!s.startsWith(".")) return false;
    const target = path.resolve(path.dirname(path.join(ROOT, file)), s);
    return target.startsWith(`${modules}${path.sep}`) && target !== path.join(modules, "index");
  });
}

describe("the app's imports of the library", () => {
  it("finds main.ts and the app/ files", () => {
    expect(appFiles).toEqual(expect.arrayContaining(["main.ts", "app/config.ts"]));
  });

  it.each(appFiles)("%s imports the library only through its entry point (./modules)", (file) => {
    expect(deepImports(file, fs.readFileSync(path.join(ROOT, file), "utf8"))).toEqual([]);
  });

  it("would catch a deep import", () => {
    const source = 'import { StreamingIngestPipeline } from "./modules";\nimport { bundleHandler } from "./modules/lambda/bundling";\n';
    expect(deepImports("main.ts", source)).toEqual(["./modules/lambda/bundling"]);
    expect(deepImports("app/config.ts", 'export { Role } from "../modules/iam/role";')).toEqual(["../modules/iam/role"]);
    expect(deepImports("app/config.ts", 'const m = require("../modules/index");')).toEqual([]);
    expect(deepImports("app/config.ts", 'const m = require("../modules");')).toEqual([]);
  });
});
