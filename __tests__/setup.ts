import * as vm from "vm";
import { setupJest } from "cdktf/lib/testing/adapters/jest";
import { cleanupSynthDirs } from "./helpers/synth";

setupJest();
afterAll(() => cleanupSynthDirs());

plainTracesForCdktfTokens();

/**
 * cdktf records where every token was created by capturing a full stack trace into a plain
 * object (tokens/private/stack-trace.js). Jest formats every trace in the worker's own realm
 * through its source-map rewriting (@jest/source-map), and those token traces were the largest
 * single cost of the unit tier (about a fifth of its CPU time). They only feed cdktf's own
 * error texts, so they are left empty (cdktf then records no creation stack); every real Error
 * keeps jest's source-mapped stack.
 * Jest installs its formatter again for each test file, so this runs per file (setup file).
 */
function plainTracesForCdktfTokens(): void {
  const workerError = vm.runInThisContext("Error") as ErrorConstructor;
  const sourceMapped = workerError.prepareStackTrace;
  if (!sourceMapped) return;
  workerError.prepareStackTrace = (error, frames) =>
    Object.prototype.toString.call(error) === "[object Error]" ? sourceMapped(error, frames) : "";
}
