import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";

/**
 * The build tier: `cdktf synth` as a user runs it (scripts/app.js in a child process), compared
 * across runs and checkouts. Slower than the unit tier (three cold synths, one in a fresh copy),
 * so it lives here beside the package test.
 */
const ROOT = path.resolve(__dirname, "..", "..");
const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const values = (json: any, type: string): any[] => Object.values(json.resource[type] ?? {});

describe("cdktf synth of the app", () => {
  it("writes byte-identical output on every run and from any checkout location, with no machine path in it", () => {
    // A second checkout at another path: the project's files (tracked or new, not ignored), sharing node_modules.
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "checkout-"));
    tmpDirs.push(checkout);
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
    for (const file of files) {
      if (!fs.existsSync(path.join(ROOT, file))) continue;
      fs.mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, file), path.join(checkout, file));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(checkout, "node_modules"));

    const outdirs = [ROOT, ROOT, checkout].map((cwd) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
      tmpDirs.push(dir);
      execFileSync(process.execPath, [path.join(cwd, "scripts", "app.js")], {
        cwd,
        env: { PATH: process.env.PATH, CDKTF_OUTDIR: dir, CHECKPOINT_DISABLE: "1" },
      });
      return dir;
    });
    const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");
    const stacks = fs.readdirSync(path.join(outdirs[0], "stacks")).sort();
    expect(stacks).toEqual(["streaming-ingest-dev", "streaming-ingest-prod"]); // cdktf.json's environments
    for (const stack of stacks) {
      const file = path.join("stacks", stack, "cdk.tf.json");
      const [first, second, elsewhere] = outdirs.map((d) => read(d, file));
      expect(second).toBe(first);
      expect(elsewhere).toBe(first);
      for (const machinePath of [ROOT, checkout, os.tmpdir(), os.homedir()]) expect(first).not.toContain(machinePath);
      // The Lambda zips are the same bytes, so source_code_hash matches across machines.
      for (const fn of values(JSON.parse(first), "aws_lambda_function")) {
        const zips = outdirs.map((d) => fs.readFileSync(path.join(d, "stacks", stack, fn.filename)).toString("base64"));
        expect(zips[2]).toBe(zips[0]);
      }
    }
    expect(read(outdirs[2], "manifest.json")).toBe(read(outdirs[0], "manifest.json"));
  });
});
