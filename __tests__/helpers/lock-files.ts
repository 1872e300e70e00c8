import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { keptLockFile } from "../../app/lock-files";

/** The stack the lock-file tests use, and two versions of its `.terraform.lock.hcl`. */
export const STACK = "streaming-ingest-dev";
export const LOCK_V1 = '# This file is maintained automatically by "terraform init".\nprovider "registry.terraform.io/hashicorp/aws" {\n  version = "5.100.0"\n}\n';
export const LOCK_V2 = LOCK_V1.replace("5.100.0", "6.25.0");

/**
 * A fresh project folder per test (removed after it): `dir` holds the kept lock files, `outdir`
 * is its cdktf.out. Registers its own beforeEach/afterEach; call it at the top of a test file.
 */
export function lockFileProject() {
  const project = {
    dir: "",
    outdir: "",
    /** The lock file in the stack's folder, where Terraform reads it. */
    stackLock: () => path.join(project.outdir, "stacks", STACK, ".terraform.lock.hcl"),
    /** The kept copy beside the state. */
    kept: () => keptLockFile(project.dir, STACK),
  };
  beforeEach(() => {
    project.dir = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-locks-"));
    project.outdir = path.join(project.dir, "cdktf.out");
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));
  return project;
}
