import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const CONTEXT_JSON = JSON.stringify(JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).context);

export interface AppRun {
  code: number | null;
  stderr: string;
  /** The output folder (CDKTF_OUTDIR) of the run. */
  outdir: string;
}

/**
 * Runs the app as cdktf-cli does (`node scripts/app.js`, cdktf.json's "app", from the project
 * root, with cdktf.json's context in CDKTF_CONTEXT_JSON, which the CLI overwrites), in a child
 * process with only these variables. The output goes to `outdir` (default: a new temp folder).
 */
export function runAppProcess(env: Record<string, string>, outdir = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-app-"))): Promise<AppRun> {
  const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_CONTEXT_JSON: CONTEXT_JSON, CDKTF_OUTDIR: outdir, ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, "scripts", "app.js")], { cwd: ROOT, env: childEnv }, (error, _stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stderr, outdir });
    });
  });
}

/** The stack folders a run wrote. */
export const stacksWritten = (outdir: string): string[] =>
  fs.existsSync(path.join(outdir, "stacks")) ? fs.readdirSync(path.join(outdir, "stacks")).sort() : [];
