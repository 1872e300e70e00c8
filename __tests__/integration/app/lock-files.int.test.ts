import * as fs from "fs";
import { runAppProcess } from "../../helpers/run-app";
import { LOCK_V1, LOCK_V2, lockFileProject } from "../../helpers/lock-files";

/**
 * The app run as cdktf runs it (a child process): each stack's `.terraform.lock.hcl` survives a re-synth and `rm -rf cdktf.out`: it is kept beside
 * the local state (`terraform.<stack>.lock.hcl`, committable) and put back into the stack's folder.
 */
const project = lockFileProject();
const { stackLock, kept } = project;

describe("keeping lock files outside cdktf.out, through the app's synth", () => {
  it("the app's synth: after `rm -rf cdktf.out` the stack's lock file is back, and a newer one written by terraform is kept", async () => {
    fs.writeFileSync(kept(), LOCK_V1);
    const env = { INGEST_STATE_DIR: project.dir, INGEST_ENVIRONMENTS: "dev" };
    expect((await runAppProcess(env, project.outdir)).code).toBe(0);
    expect(fs.readFileSync(stackLock(), "utf8")).toBe(LOCK_V1);
    fs.writeFileSync(stackLock(), LOCK_V2);
    fs.utimesSync(stackLock(), new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    expect((await runAppProcess(env, project.outdir)).code).toBe(0);
    expect(fs.readFileSync(kept(), "utf8")).toBe(LOCK_V2);
    fs.rmSync(project.outdir, { recursive: true, force: true });
    expect((await runAppProcess(env, project.outdir)).code).toBe(0);
    expect(fs.readFileSync(stackLock(), "utf8")).toBe(LOCK_V2);
  }, 60_000);
});
