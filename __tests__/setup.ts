import { setupJest } from "cdktf/lib/testing/adapters/jest";
import { cleanupSynthDirs } from "./helpers/synth";

setupJest();
afterAll(() => cleanupSynthDirs());

// cdktf captures a full, unlimited-depth stack trace for every token it creates (it keeps them
// only to print where a misused token came from). Under jest, with its deep stacks and its
// source-map formatting of every trace, that was the largest single cost of the unit tier. The
// synthesized output never contains them, so the unit tests stub the capture out. Real errors
// keep jest's source-mapped stacks.
const cdktfStackTrace: { captureStackTrace: () => string[] } = require("cdktf/lib/tokens/private/stack-trace");
cdktfStackTrace.captureStackTrace = () => [];
