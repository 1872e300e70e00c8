/**
 * Terraform for the deploy tier: finds the machine's provider mirror, writes a CLI config that
 * uses it, and runs terraform/cdktf with that config, so `npm test` behaves the same from a
 * shell and from CI. On a machine without a mirror, Terraform's own configuration (the registry)
 * is used as usual.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PROVIDER = path.join("registry.terraform.io", "hashicorp", "aws");

/** Where Terraform and distributions put filesystem mirrors (Terraform's "implied local mirror directories"). */
function mirrorCandidates(): string[] {
  const home = os.homedir();
  return [
    process.env.INGEST_TF_PROVIDER_MIRROR,
    "/opt/tf-plugins",
    "/opt/terraform/plugins",
    path.join(home, ".terraform.d", "plugins"),
    path.join(home, ".local", "share", "terraform", "plugins"),
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
  ].filter((d): d is string => !!d);
}

/** The first directory holding a hashicorp/aws provider package (`<dir>/registry.terraform.io/hashicorp/aws/<version>/…`). */
export function findProviderMirror(): string | undefined {
  return mirrorCandidates().find((dir) => {
    const providerDir = path.join(dir, PROVIDER);
    return fs.existsSync(providerDir) && fs.readdirSync(providerDir).length > 0;
  });
}

/**
 * Writes a Terraform CLI config into `dir`: hashicorp/aws from the local mirror when there is
 * one (nothing else may come from the network here). An unpacked mirror is linked, not copied,
 * so no plugin cache is needed; none is shared either, since Terraform's cache is not safe for
 * the concurrent inits of suites running side by side. Returns the file's path.
 */
export function writeCliConfig(dir: string, mirror: string | undefined): string {
  const installation = mirror
    ? `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`
    : "";
  const file = path.join(dir, "terraform.tfrc");
  fs.writeFileSync(file, installation);
  return file;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (no shell), never throwing: the caller decides what a code means. */
export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 600_000, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** The last lines of a command's output, for an error message. */
export function tail(result: RunResult, lines = 40): string {
  return `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-lines).join("\n");
}

/** A Terraform runner bound to one stack directory and environment. */
export class Terraform {
  constructor(
    readonly stackDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Runs `terraform <args>`; throws with the output's tail unless the exit code is allowed. */
  async run(args: string[], allowedCodes: number[] = [0]): Promise<RunResult> {
    const result = await run("terraform", [...args], { cwd: this.stackDir, env: this.env });
    if (!allowedCodes.includes(result.code)) {
      throw new Error(`terraform ${args.join(" ")} exited ${result.code} in ${this.stackDir}:\n${tail(result)}`);
    }
    return result;
  }

  init(): Promise<RunResult> {
    return this.run(["init", "-input=false", "-no-color"]);
  }

  validate(): Promise<RunResult> {
    return this.run(["validate", "-no-color"]);
  }

  apply(): Promise<RunResult> {
    return this.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
  }

  /** `terraform output -json`, sensitive values included, as plain values. */
  async outputs(): Promise<Record<string, unknown>> {
    const out = JSON.parse((await this.run(["output", "-json", "-no-color"])).stdout) as Record<string, { value: unknown }>;
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value]));
  }

  /** Plans into a file and returns Terraform's JSON rendering of the plan. */
  async plan(): Promise<PlanJson> {
    await this.run(["plan", "-input=false", "-no-color", "-out=second.tfplan"]);
    const shown = await this.run(["show", "-json", "-no-color", "second.tfplan"]);
    return JSON.parse(shown.stdout) as PlanJson;
  }

  /** The addresses in state (`terraform state list`). */
  async stateList(): Promise<string[]> {
    const result = await this.run(["state", "list", "-no-color"], [0, 1]);
    return result.stdout.split("\n").filter(Boolean);
  }
}

/** The parts of `terraform show -json <plan>` the deploy tier reads. */
export interface PlanJson {
  resource_changes?: Array<{
    address: string;
    type: string;
    change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null; after_unknown?: Record<string, unknown> };
  }>;
}

/** An in-place change a plan may show only because the emulator does not store an attribute. */
export interface EmulatorGap {
  readonly type: string;
  readonly attribute: string;
  /** Why the emulator, not the stack, is the cause. */
  readonly why: string;
}

/** A change of a second plan, as one readable line. */
export interface PlannedChange {
  address: string;
  actions: string[];
  attributes: string[];
}

/** Every change in a plan: its address, actions and (for updates) the top-level attributes that differ. */
export function plannedChanges(plan: PlanJson): PlannedChange[] {
  return (plan.resource_changes ?? [])
    .filter((rc) => !(rc.change.actions.length === 1 && (rc.change.actions[0] === "no-op" || rc.change.actions[0] === "read")))
    .map((rc) => {
      const before = rc.change.before ?? {};
      const after = rc.change.after ?? {};
      const unknown = rc.change.after_unknown ?? {};
      const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
      const attributes = [...keys].filter((k) => unknown[k] === true || JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null)).sort();
      return { address: rc.address, actions: rc.change.actions, attributes };
    });
}

/** The changes a gap list does not explain: any create/delete/replace, and updates of attributes not listed for the type. */
export function unexplainedChanges(plan: PlanJson, gaps: readonly EmulatorGap[]): PlannedChange[] {
  const typeOf = new Map((plan.resource_changes ?? []).map((rc) => [rc.address, rc.type]));
  return plannedChanges(plan)
    .map((c) => {
      if (c.actions.join(",") !== "update") return c;
      const type = typeOf.get(c.address);
      const rest = c.attributes.filter((a) => !gaps.some((g) => g.type === type && g.attribute === a));
      return { ...c, attributes: rest };
    })
    .filter((c) => c.actions.join(",") !== "update" || c.attributes.length > 0);
}
