"use strict";
// A jest runtime that loads cdktf, constructs and @cdktf/provider-aws once per jest worker,
// with Node's own require, instead of once per test file inside the file's sandbox.
//
// Why: those three packages are about 9 MB of JavaScript. Compiling and evaluating them again
// in every test file's fresh vm context was about half of the unit tier's CPU time
// (bench/results.md). They are stateless libraries from the tests' point of view: every app,
// stack and token a test makes lives in its own objects, and our own code (modules/, app/,
// lambda-src/) still loads fresh in each file, so module-level state of ours never leaks
// between files.
//
// What it changes for a test author: objects made by those packages come from the worker's
// realm, not the sandbox's. Structural matchers (toEqual, toMatchObject, toThrow(/message/))
// and instanceof between our classes and cdktf's work as before; `toThrow(Error)` or
// `instanceof Error` on an error thrown inside cdktf itself would not (use the message).
// The jest adapter of cdktf stays in the sandbox: it reads the sandbox's global `expect`.
const Module = require("module");
const Runtime = require("jest-runtime").default;

const SHARED = /^(cdktf|constructs|@cdktf\/provider-aws)(\/|$)/;
const SANDBOXED = new Set(["cdktf/lib/testing/adapters/jest"]);

class SharedLibraryRuntime extends Runtime {
  requireModuleOrMock(from, moduleName) {
    if (SHARED.test(moduleName) && !SANDBOXED.has(moduleName)) return Module.createRequire(from)(moduleName);
    return super.requireModuleOrMock(from, moduleName);
  }
}

module.exports = SharedLibraryRuntime;
