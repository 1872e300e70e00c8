import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { keptLockFile, restoreLockFiles, saveLockFiles } from "../../../app/lock-files";

/**
 * Each stack's `.terraform.lock.hcl` survives a re-synth and `rm -rf cdktf.out`: it is kept beside
 * the local state (`terraform.<stack>.lock.hcl`, committable) and put back into the stack's folder.
 */
const STACK = "streaming-ingest-dev";
const LOCK_V1 = '# This file is maintained automatically by "terraform init".\nprovider "registry.terraform.io/hashicorp/aws" {\n  version = "5.100.0"\n}\n';
const LOCK_V2 = LOCK_V1.replace("5.100.0", "6.25.0");

let dir: string;
let outdir: string;
const stackLock = () => path.join(outdir, "stacks", STACK, ".terraform.lock.hcl");
const kept = () => keptLockFile(dir, STACK);
const age = (file: string, seconds: number) => fs.utimesSync(file, new Date(Date.now() - seconds * 1000), new Date(Date.now() - seconds * 1000));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-locks-"));
  outdir = path.join(dir, "cdktf.out");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("keeping lock files outside cdktf.out", () => {
  it("saves a lock file terraform init wrote (newer than the kept copy), then puts the kept copy back", () => {
    fs.mkdirSync(path.dirname(stackLock()), { recursive: true });
    fs.writeFileSync(stackLock(), LOCK_V1);
    expect(saveLockFiles(outdir, dir, [STACK])).toEqual([STACK]);
    expect(fs.readFileSync(kept(), "utf8")).toBe(LOCK_V1);
    age(kept(), 60);
    fs.writeFileSync(stackLock(), LOCK_V2); // `terraform init -upgrade` rewrote it
    expect(saveLockFiles(outdir, dir, [STACK])).toEqual([STACK]);
    expect(fs.readFileSync(kept(), "utf8")).toBe(LOCK_V2);
  });

  it("does not overwrite a kept copy that changed after the stack's (a git pull), and restores it", () => {
    fs.mkdirSync(path.dirname(stackLock()), { recursive: true });
    fs.writeFileSync(stackLock(), LOCK_V1);
    age(stackLock(), 60);
    fs.writeFileSync(kept(), LOCK_V2);
    expect(saveLockFiles(outdir, dir, [STACK])).toEqual([]);
    expect(restoreLockFiles(outdir, dir, [STACK])).toEqual([STACK]);
    expect(fs.readFileSync(stackLock(), "utf8")).toBe(LOCK_V2);
  });

  it("leaves stacks without a kept lock file alone", () => {
    expect(saveLockFiles(outdir, dir, [STACK])).toEqual([]);
    expect(restoreLockFiles(outdir, dir, [STACK])).toEqual([]);
    expect(fs.existsSync(stackLock())).toBe(false);
  });
});
