import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { keptLockFile } from "../../../app/lock-files";
import { runAppProcess } from "../../helpers/run-app";

/**
 * The app run as cdktf runs it (a child process): each stack's `.terraform.lock.hcl` survives a re-synth and `rm -rf cdktf.out`: it is kept beside
 * the local state (`terraform.<stack>.lock.hcl`, committable) and put back into the stack's folder.
 */
const STACK = "streaming-ingest-dev";
const LOCK_V1 = '# This file is maintained automatically by "terraform init".\nprovider "registry.terraform.io/hashicorp/aws" {\n  version = "5.100.0"\n}\n';
const LOCK_V2 = LOCK_V1.replace("5.100.0", "6.25.0");

let dir: string;
let outdir: string;
const stackLock = () => path.join(outdir, "stacks", STACK, ".terraform.lock.hcl");
const kept = () => keptLockFile(dir, STACK);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-locks-"));
  outdir = path.join(dir, "cdktf.out");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("keeping lock files outside cdktf.out, through the app's synth", () => {
  it("the app's synth: after `rm -rf cdktf.out` the stack's lock file is back, and a newer one written by terraform is kept", async () => {
    fs.writeFileSync(kept(), LOCK_V1);
    const env = { INGEST_STATE_DIR: dir, INGEST_ENVIRONMENTS: "dev" };
    expect((await runAppProcess(env, outdir)).code).toBe(0);
    expect(fs.readFileSync(stackLock(), "utf8")).toBe(LOCK_V1);
    fs.writeFileSync(stackLock(), LOCK_V2);
    fs.utimesSync(stackLock(), new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    expect((await runAppProcess(env, outdir)).code).toBe(0);
    expect(fs.readFileSync(kept(), "utf8")).toBe(LOCK_V2);
    fs.rmSync(outdir, { recursive: true, force: true });
    expect((await runAppProcess(env, outdir)).code).toBe(0);
    expect(fs.readFileSync(stackLock(), "utf8")).toBe(LOCK_V2);
  }, 60_000);
});
