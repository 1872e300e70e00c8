/**
 * `npm run security` (part of `npm test`): checkov over the synthesized stacks, with zero failed
 * checks. checkov's Terraform-JSON runner does not read inline skips, so this gate applies the ones
 * each resource carries in its "//" block (modules/core/checkov.ts): a failure passes only when its own
 * resource names that check with a reason. A skip for a check that does not fail is stale and fails
 * the gate too, so skips cannot outlive their reason.
 * Usage: node scripts/run-ts.js scripts/security-gate.ts
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectRoot } from "./project-root";

interface CheckRecord {
  check_id: string;
  check_name: string;
  resource: string;
  file_path: string;
}

interface InlineSkip {
  id: string;
  comment: string;
}

export interface GateResult {
  passed: number;
  skipped: Array<CheckRecord & { reason: string }>;
  unskipped: CheckRecord[];
  stale: Array<{ file: string; resource: string; id: string }>;
}

/** Applies each resource's inline skips to checkov's failed checks. */
export function applyInlineSkips(
  failed: CheckRecord[],
  passed: number,
  stacks: Record<string, { resource?: Record<string, Record<string, any>> }>,
): GateResult {
  const skipsOf = (file: string, resource: string): InlineSkip[] => {
    const [type, ...name] = resource.split(".");
    return stacks[file]?.resource?.[type]?.[name.join(".")]?.["//"]?.checkov?.skip ?? [];
  };
  // Graph checks name resources "<type>.<name>"; the JSON runner's per-resource checks say
  // "resource.<name>". cdktf's logical names are unique in a stack, so the name finds the type.
  const normalise = (file: string, resource: string): string => {
    if (!resource.startsWith("resource.")) return resource;
    const name = resource.slice("resource.".length);
    const type = Object.keys(stacks[file]?.resource ?? {}).find((t) => name in stacks[file].resource![t]);
    return type ? `${type}.${name}` : resource;
  };
  const result: GateResult = { passed, skipped: [], unskipped: [], stale: [] };
  const used = new Set<string>();
  for (const raw of failed) {
    const record = { ...raw, resource: normalise(raw.file_path, raw.resource) };
    const skip = skipsOf(record.file_path, record.resource).find((s) => s.id === record.check_id && s.comment.trim() !== "");
    if (skip) {
      result.skipped.push({ ...record, reason: skip.comment });
      used.add(`${record.file_path}|${record.resource}|${record.check_id}`);
    } else {
      result.unskipped.push(record);
    }
  }
  for (const [file, stack] of Object.entries(stacks)) {
    for (const [type, byName] of Object.entries(stack.resource ?? {})) {
      for (const [name, config] of Object.entries(byName)) {
        for (const skip of (config["//"]?.checkov?.skip ?? []) as InlineSkip[]) {
          if (!used.has(`${file}|${type}.${name}|${skip.id}`)) result.stale.push({ file, resource: `${type}.${name}`, id: skip.id });
        }
      }
    }
  }
  return result;
}

function main(): void {
  const root = projectRoot();
  const checkov = path.join(root, ".venv", "bin", "checkov");
  if (!fs.existsSync(checkov)) throw new Error(`${checkov} is missing: run "bash scripts/ensure-venv.sh" (npm test does it)`);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "security-synth-"));
  try {
    execFileSync(process.execPath, [path.join(root, "scripts", "app.js")], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" } });
    const stacksDir = path.join(outdir, "stacks");
    // checkov 3.3's Terraform-JSON parser takes only blocks of objects, and a stack's `moved`
    // blocks are a list (it then parses nothing, and every skip turns stale). Moves configure
    // nothing a check reads, so checkov gets each stack without them.
    for (const stack of fs.readdirSync(stacksDir)) {
      const file = path.join(stacksDir, stack, "cdk.tf.json");
      const { moved: _moved, ...json } = JSON.parse(fs.readFileSync(file, "utf8"));
      fs.writeFileSync(file, JSON.stringify(json, null, 2));
    }
    const run = spawnSync(checkov, ["-d", stacksDir, "--framework", "terraform_json", "-o", "json", "--skip-download", "--compact"], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, BC_SKIP_MAPPING: "TRUE", CHECKOV_SKIP_DOWNLOAD: "TRUE" },
    });
    if (!run.stdout.trim().startsWith("{") && !run.stdout.trim().startsWith("[")) {
      throw new Error(`checkov did not report (exit ${run.status}):\n${run.stderr.slice(-2000)}`);
    }
    const reports = [JSON.parse(run.stdout)].flat();
    const failed: CheckRecord[] = reports.flatMap((r: any) => r.results?.failed_checks ?? []);
    const passed = reports.reduce((n: number, r: any) => n + (r.summary?.passed ?? 0), 0);
    const stacks: Record<string, any> = {};
    for (const stack of fs.readdirSync(stacksDir)) {
      stacks[`/${stack}/cdk.tf.json`] = JSON.parse(fs.readFileSync(path.join(stacksDir, stack, "cdk.tf.json"), "utf8"));
    }
    const result = applyInlineSkips(failed, passed, stacks);

    console.log(`checkov ${reports[0]?.summary?.checkov_version ?? ""} over ${Object.keys(stacks).length} stacks (${Object.keys(stacks).join(", ")})`);
    console.log(`  passed: ${result.passed}, skipped inline with a reason: ${result.skipped.length}, failed: ${result.unskipped.length}, stale skips: ${result.stale.length}`);
    const byCheck = new Map<string, { name: string; reasons: Set<string>; count: number }>();
    for (const s of result.skipped) {
      const entry = byCheck.get(s.check_id) ?? { name: s.check_name, reasons: new Set<string>(), count: 0 };
      entry.reasons.add(s.reason);
      entry.count++;
      byCheck.set(s.check_id, entry);
    }
    for (const [id, e] of [...byCheck.entries()].sort()) {
      console.log(`  skip ${id} ×${e.count} (${e.name}):`);
      for (const reason of e.reasons) console.log(`      ${reason}`);
    }
    for (const f of result.unskipped) console.log(`  FAILED ${f.check_id} ${f.check_name}: ${f.resource} (${f.file_path})`);
    for (const s of result.stale) console.log(`  STALE skip ${s.id} on ${s.resource} (${s.file}): the check does not fail there`);
    const bad = result.unskipped.length + result.stale.length;
    console.log(`security: ${result.passed + result.skipped.length} passed, ${bad} failed`);
    if (bad > 0) process.exitCode = 1;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] === __filename) {
  try {
    main();
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
