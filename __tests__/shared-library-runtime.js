"use strict";
// A jest runtime that loads the construct library once per jest worker, with Node's own
// require, instead of once per test file inside the file's sandbox:
//   - cdktf, constructs and @cdktf/provider-aws (about 9 MB of JavaScript);
//   - our own library sources: modules/ (not modules/testing/), app/ and main.ts;
//   - the synth helpers (__tests__/helpers/synth.ts and app.ts), so the app's JSON for the same
//     settings is synthesized once per worker, not once per file.
//
// Why: compiling and evaluating the same modules again in every test file's fresh vm context was
// most of the unit tier's fixed cost per file (bench/results.md). They are stateless libraries
// from the tests' point of view: every app, stack and token a test makes lives in its own
// objects. What module-level state our library has is a cache of results that depend only on
// the sources (the handler bundles), so sharing it across files only saves work.
//
// A test file keeps private copies of our sources (loaded in its sandbox as usual) when it needs
// jest's module machinery for them: when it calls `jest.mock` (a mocked dependency must reach the
// library), assigns to `process.env` (the sandbox's copy is not the worker's), or says
// `@private-library` in a comment. lambda-src/ and the other test helpers always load in the sandbox.
//
// What it changes for a test author: objects made by shared code come from the worker's realm,
// not the sandbox's. Structural matchers (toEqual, toMatchObject, toThrow(/message/)) and
// instanceof between our classes work as before; `toThrow(Error)`, `toStrictEqual` against a
// literal, or `instanceof Error` on an error thrown by shared code would not (use the message or
// the library's own error class). The jest adapter of cdktf and modules/testing stay in the
// sandbox: they read the sandbox's global `expect`.
const fs = require("fs");
const Module = require("module");
const path = require("path");
const Runtime = require("jest-runtime").default;

const ROOT = path.resolve(__dirname, "..");
const SHARED_PACKAGES = /^(cdktf|constructs|@cdktf\/provider-aws)(\/|$)/;
const SANDBOXED_PACKAGES = new Set(["cdktf/lib/testing/adapters/jest"]);
const CDKTF_DIR = path.dirname(require.resolve("cdktf/package.json")) + path.sep;
const SHARED_SOURCES = [
  path.join(ROOT, "modules") + path.sep,
  path.join(ROOT, "app") + path.sep,
  path.join(ROOT, "main.ts"),
  // The synth helpers: an app synthesized for the same settings is then synthesized once per worker.
  path.join(ROOT, "__tests__", "helpers", "synth.ts"),
  path.join(ROOT, "__tests__", "helpers", "app.ts"),
];
const SANDBOXED_SOURCES = [path.join(ROOT, "modules", "testing") + path.sep];
const NEEDS_PRIVATE_LIBRARY = /\bjest\.(mock|doMock)\(|\bprocess\.env(\.\w+|\[[^\]]+\])\s*=[^=]|@private-library\b/;

/** Lets this worker's Node require TypeScript sources, compiled as the jest transform does. */
function registerTypeScript() {
  if (Module._extensions[".ts"]) return;
  const swc = require("@swc/core");
  Module._extensions[".ts"] = (module, filename) => {
    const { code } = swc.transformSync(fs.readFileSync(filename, "utf8"), {
      filename,
      jsc: { parser: { syntax: "typescript" }, target: "es2022" },
      module: { type: "commonjs" },
      sourceMaps: "inline",
    });
    module._compile(code, filename);
  };
  // Stacks through shared sources point at the TypeScript lines, as they do in the sandbox.
  process.setSourceMapsEnabled(true);
}

const isSharedSource = (file) =>
  SHARED_SOURCES.some((prefix) => file === prefix || file.startsWith(prefix)) && !SANDBOXED_SOURCES.some((prefix) => file.startsWith(prefix));

function resolveOrUndefined(require, moduleName) {
  try {
    return require.resolve(moduleName);
  } catch {
    return undefined; // left to jest's resolver, which reports it as usual
  }
}

class SharedLibraryRuntime extends Runtime {
  constructor(config, environment, resolver, transform, cacheFS, coverageOptions, testPath, globalConfig) {
    super(config, environment, resolver, transform, cacheFS, coverageOptions, testPath, globalConfig);
    this.sharesSources = !NEEDS_PRIVATE_LIBRARY.test(fs.readFileSync(testPath, "utf8"));
    if (this.sharesSources) registerTypeScript();
  }

  requireModuleOrMock(from, moduleName) {
    if (SHARED_PACKAGES.test(moduleName) && !SANDBOXED_PACKAGES.has(moduleName)) return Module.createRequire(from)(moduleName);
    // What the sandboxed jest adapter requires of cdktf (matchers, tokens) is shared like the rest.
    if (from.startsWith(CDKTF_DIR) && moduleName.startsWith(".")) return Module.createRequire(from)(moduleName);
    if (this.sharesSources && (moduleName.startsWith(".") || path.isAbsolute(moduleName))) {
      const require = Module.createRequire(from);
      const file = resolveOrUndefined(require, moduleName);
      if (file !== undefined && isSharedSource(file)) return require(file);
    }
    return super.requireModuleOrMock(from, moduleName);
  }
}

module.exports = SharedLibraryRuntime;
