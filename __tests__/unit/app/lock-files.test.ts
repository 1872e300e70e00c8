import * as fs from "fs";
import * as path from "path";
import { restoreLockFiles, saveLockFiles } from "../../../app/lock-files";
import { LOCK_V1, LOCK_V2, lockFileProject, STACK } from "../../helpers/lock-files";

/**
 * Each stack's `.terraform.lock.hcl` survives a re-synth and `rm -rf cdktf.out`: it is kept beside
 * the local state (`terraform.<stack>.lock.hcl`, committable) and put back into the stack's folder.
 */
const project = lockFileProject();
const { stackLock, kept } = project;
const age = (file: string, seconds: number) => fs.utimesSync(file, new Date(Date.now() - seconds * 1000), new Date(Date.now() - seconds * 1000));

describe("keeping lock files outside cdktf.out", () => {
  it("saves a lock file terraform init wrote (newer than the kept copy), then puts the kept copy back", () => {
    fs.mkdirSync(path.dirname(stackLock()), { recursive: true });
    fs.writeFileSync(stackLock(), LOCK_V1);
    expect(saveLockFiles(project.outdir, project.dir, [STACK])).toEqual([STACK]);
    expect(fs.readFileSync(kept(), "utf8")).toBe(LOCK_V1);
    age(kept(), 60);
    fs.writeFileSync(stackLock(), LOCK_V2); // `terraform init -upgrade` rewrote it
    expect(saveLockFiles(project.outdir, project.dir, [STACK])).toEqual([STACK]);
    expect(fs.readFileSync(kept(), "utf8")).toBe(LOCK_V2);
  });

  it("does not overwrite a kept copy that changed after the stack's (a git pull), and restores it", () => {
    fs.mkdirSync(path.dirname(stackLock()), { recursive: true });
    fs.writeFileSync(stackLock(), LOCK_V1);
    age(stackLock(), 60);
    fs.writeFileSync(kept(), LOCK_V2);
    expect(saveLockFiles(project.outdir, project.dir, [STACK])).toEqual([]);
    expect(restoreLockFiles(project.outdir, project.dir, [STACK])).toEqual([STACK]);
    expect(fs.readFileSync(stackLock(), "utf8")).toBe(LOCK_V2);
  });

  it("leaves stacks without a kept lock file alone", () => {
    expect(saveLockFiles(project.outdir, project.dir, [STACK])).toEqual([]);
    expect(restoreLockFiles(project.outdir, project.dir, [STACK])).toEqual([]);
    expect(fs.existsSync(stackLock())).toBe(false);
  });
});
