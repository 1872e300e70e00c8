import * as fs from "fs";
import * as path from "path";

/**
 * Each stack's dependency lock file (`.terraform.lock.hcl`) kept outside cdktf.out, so a re-synth
 * or `rm -rf cdktf.out` cannot lose it and it can be committed. Terraform reads and writes it only
 * in the stack's folder (`cdktf.out/stacks/<stack>`), and writes it by replacing the file, so a
 * link cannot keep it elsewhere: synth copies it instead. Before synth, a lock file Terraform
 * wrote since (newer than the kept copy) is saved; after synth, the kept copy is put back.
 */

/** The kept lock file of a stack: `<dir>/terraform.<stack>.lock.hcl`, beside its local state. */
export function keptLockFile(keepDir: string, stackName: string): string {
  return path.join(keepDir, `terraform.${stackName}.lock.hcl`);
}

function stackLockFile(outdir: string, stackName: string): string {
  return path.join(outdir, "stacks", stackName, ".terraform.lock.hcl");
}

const mtime = (file: string) => fs.statSync(file).mtimeMs;

/** Copies each stack's lock file to the kept copy when Terraform wrote it after the kept copy changed. Returns the stacks saved. */
export function saveLockFiles(outdir: string, keepDir: string, stackNames: string[]): string[] {
  return stackNames.filter((stackName) => {
    const written = stackLockFile(outdir, stackName);
    const kept = keptLockFile(keepDir, stackName);
    if (!fs.existsSync(written)) return false;
    if (fs.existsSync(kept) && (fs.readFileSync(kept, "utf8") === fs.readFileSync(written, "utf8") || mtime(kept) >= mtime(written))) return false;
    fs.mkdirSync(keepDir, { recursive: true });
    fs.copyFileSync(written, kept);
    return true;
  });
}

/** Puts each kept lock file into its stack's folder, where `terraform init` reads it. Returns the stacks restored. */
export function restoreLockFiles(outdir: string, keepDir: string, stackNames: string[]): string[] {
  return stackNames.filter((stackName) => {
    const kept = keptLockFile(keepDir, stackName);
    if (!fs.existsSync(kept)) return false;
    const target = stackLockFile(outdir, stackName);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(kept, target);
    return true;
  });
}
