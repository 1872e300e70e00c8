/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // cdktf, constructs and the provider bindings load once per worker, not once per test file.
  runtime: "<rootDir>/__tests__/shared-library-runtime.js",
  // Synth tests create temp dirs; cap workers at the machine's 2 cores.
  maxWorkers: 2,
};
