import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { BuildOptions } from "esbuild";
import { bundleHandler, clearBundleMemo } from "../../../modules";
import { isStampUpToDate, writeInputStamp } from "../../../modules/lambda/input-stamp";

// Every option bundleHandler gives esbuild, in call order (the real esbuild still builds).
const mockBuilds: BuildOptions[] = [];
jest.mock("esbuild", () => {
  const esbuild = jest.requireActual("esbuild");
  return { ...esbuild, buildSync: (options: BuildOptions) => (mockBuilds.push(options), esbuild.buildSync(options)) };
});

const ROOT = path.resolve(__dirname, "..", "..", "..");
const LIBRARY_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
const ESBUILD_VERSION: string = jest.requireActual("esbuild").version;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bundling-"));
  mockBuilds.length = 0;
  clearBundleMemo();
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A handler entry `<tmp>/<name>/index.ts`. */
function writeEntry(name = "handler"): string {
  const entry = path.join(tmp, name, "index.ts");
  fs.mkdirSync(path.dirname(entry));
  fs.writeFileSync(entry, "export const handler = async () => 1;\n");
  return entry;
}

describe("the input stamp", () => {
  const settings = { library: "1.0.0", esbuild: "0.28.2", options: { target: "node22", minify: true } };
  let stamp: string;
  let output: string;
  beforeEach(() => {
    stamp = path.join(tmp, "out.inputs.json");
    output = path.join(tmp, "out.js");
    fs.writeFileSync(path.join(tmp, "input.ts"), "v1");
    fs.writeFileSync(output, "built");
    writeInputStamp(stamp, tmp, settings, ["input.ts"]);
  });

  it("is up to date for the same settings, unchanged inputs and existing outputs", () => {
    expect(isStampUpToDate(stamp, tmp, { ...settings, options: { target: "node22", minify: true } }, [output])).toBe(true);
  });

  it.each([
    ["other build options", { ...settings, options: { target: "node20", minify: true } }],
    ["another library version", { ...settings, library: "1.1.0" }],
    ["another esbuild version", { ...settings, esbuild: "0.29.0" }],
  ])("is not up to date for %s", (_label, other) => {
    expect(isStampUpToDate(stamp, tmp, other, [output])).toBe(false);
  });

  it("is not up to date when an input changed or an output is missing", () => {
    expect(isStampUpToDate(stamp, tmp, settings, [output, path.join(tmp, "missing.zip")])).toBe(false);
    fs.writeFileSync(path.join(tmp, "input.ts"), "v2");
    expect(isStampUpToDate(stamp, tmp, settings, [output])).toBe(false);
  });
});

describe("bundleHandler's cache", () => {
  it("stamps a bundle with the library version, the esbuild version and every option esbuild was given", () => {
    const out = bundleHandler(writeEntry(), {}, tmp);
    expect(mockBuilds).toHaveLength(1);
    const settings = { library: LIBRARY_VERSION, esbuild: ESBUILD_VERSION, options: mockBuilds[0] };
    expect(isStampUpToDate(`${out}.inputs.json`, process.cwd(), settings, [path.join(out, "index.js")])).toBe(true);
  });

  it("rebuilds a bundle whose stamp another library version wrote with other options, and reuses one with the same", () => {
    const out = bundleHandler(writeEntry(), {}, tmp);
    const stamp = `${out}.inputs.json`;
    const inputs = Object.keys(JSON.parse(fs.readFileSync(stamp, "utf8")).hashes);
    const settings = { library: LIBRARY_VERSION, esbuild: ESBUILD_VERSION, options: mockBuilds[0] };

    writeInputStamp(stamp, process.cwd(), settings, inputs);
    clearBundleMemo();
    expect(bundleHandler(path.join(tmp, "handler", "index.ts"), {}, tmp)).toBe(out);
    expect(mockBuilds).toHaveLength(1); // reused

    writeInputStamp(stamp, process.cwd(), { ...settings, library: "0.1.0", options: { ...mockBuilds[0], target: "node20" } }, inputs);
    clearBundleMemo();
    bundleHandler(path.join(tmp, "handler", "index.ts"), {}, tmp);
    expect(mockBuilds).toHaveLength(2); // rebuilt
  });

  it("builds in INGEST_BUNDLE_CACHE_DIR when it is set", () => {
    const cacheDir = path.join(tmp, "cache");
    process.env.INGEST_BUNDLE_CACHE_DIR = cacheDir;
    try {
      expect(path.dirname(bundleHandler(writeEntry("own")))).toBe(cacheDir);
    } finally {
      delete process.env.INGEST_BUNDLE_CACHE_DIR;
    }
    expect(fs.readdirSync(cacheDir).sort()).toEqual([expect.stringMatching(/^own-[0-9a-f]{8}$/), expect.stringMatching(/^own-[0-9a-f]{8}\.inputs\.json$/), expect.stringMatching(/^own-[0-9a-f]{8}\.zip$/)]);
  });
});
