import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_VARIABLES } from "../../../app/config";
import { synthApp } from "../../helpers/app";

/**
 * Every command in the README's shell blocks is accounted for: run by CI or a test tier (the test
 * file must contain it), synthesized here with exactly the README's variables, or checked against
 * what it names (an npm script, a stack the app synthesizes, a flag Terraform documents). A
 * command with no rule below fails this test: add the evidence, not an exemption.
 */
const ROOT = path.join(__dirname, "..", "..", "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const CONTEXT = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).context;
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** The commands of the README's sh/bash blocks: one per line, `a && b` split, comments dropped. */
function readmeCommands(): string[] {
  const blocks = [...README.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  return blocks.flatMap((block) =>
    block
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter(Boolean)
      .flatMap((line) => line.split(/\s*&&\s*/)),
  );
}

/** `A=1 B='{"x":1}' npm run synth` -> the variables and the command after them. */
function splitAssignments(command: string): { env: Record<string, string>; rest: string } {
  const env: Record<string, string> = {};
  let rest = command;
  for (let m = rest.match(/^([A-Z_][A-Z0-9_]*)=('([^']*)'|"([^"]*)"|(\S+))\s+/); m; m = rest.match(/^([A-Z_][A-Z0-9_]*)=('([^']*)'|"([^"]*)"|(\S+))\s+/)) {
    env[m[1]] = m[3] ?? m[4] ?? m[5];
    rest = rest.slice(m[0].length);
  }
  return { env, rest };
}

const STACKS = Object.keys(synthApp({}, CONTEXT));

/** `^X.Y.Z` admits `version` (same major, or same minor below 1.0, and not lower). */
function caretAdmits(range: string, version: string): boolean {
  const [lo, v] = [range.replace(/^\^/, ""), version].map((s) => s.split(".").map(Number));
  const sameLine = lo[0] === 0 ? v[0] === 0 && v[1] === lo[1] : v[0] === lo[0];
  return sameLine && (v[0] - lo[0] || v[1] - lo[1] || v[2] - lo[2]) >= 0;
}

type Rule = { readonly pattern: RegExp; readonly evidence: string; readonly check: (command: string, match: RegExpMatchArray) => void };

const RULES: Rule[] = [
  {
    pattern: /^npm ci$|^npm test$/,
    evidence: ".ci/run runs it verbatim on a clean clone",
    check: (command) => expect(read(".ci/run")).toMatch(new RegExp(`^[^#\\n]*${command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "m")),
  },
  {
    pattern: /^npm run ([\w:-]+)$/,
    evidence: "an npm script that exists (npm run synth is also run by .ci/run and the package tier)",
    check: (_c, m) => expect(Object.keys(PKG.scripts)).toContain(m[1]),
  },
  {
    pattern: /^npm install cdktf-streaming-ingest((?: \S+@\S+)+)$/,
    evidence: "each peer's range is the package's peerDependencies range, and admits the versions the package tier installs",
    check: (_c, m) => {
      const tarballPeers = Object.fromEntries([...read("__tests__/package/tarball.test.ts").matchAll(/"(@?[\w/-]+)@(\d+\.\d+\.\d+)"/g)].map((p) => [p[1], p[2]]));
      for (const spec of m[1].trim().split(" ")) {
        const at = spec.lastIndexOf("@");
        const [name, range] = [spec.slice(0, at), spec.slice(at + 1)];
        expect({ name, declared: PKG.peerDependencies[name] !== undefined }).toEqual({ name, declared: true });
        expect({ name, range, admitsTested: caretAdmits(range, tarballPeers[name]) }).toEqual({ name, range, admitsTested: true });
      }
    },
  },
  {
    pattern: /^terraform -chdir=cdktf\.out\/stacks\/([\w-]+) (init|apply|plan)$/,
    evidence: "a stack the app synthesizes; the deploy tier runs init/plan with -chdir (local-state) and init/apply in the stack folder (prod, dev)",
    check: (_c, m) => {
      expect(STACKS).toContain(m[1]);
      expect(read("__tests__/deploy/local-state.deploy.test.ts")).toMatch(/`-chdir=\$\{path\.join\("cdktf\.out", "stacks"/);
      expect(read("__tests__/deploy/support/terraform.ts")).toContain(`this.run(["${m[2] === "plan" ? "plan" : m[2]}"`);
    },
  },
  {
    pattern: /^terraform -chdir=cdktf\.out\/stacks\/([\w-]+) providers lock((?: -platform=\w+)+)$/,
    evidence: "not run (it asks the registry, which this machine cannot reach): the stack exists and terraform documents the flag",
    check: (_c, m) => {
      expect(STACKS).toContain(m[1]);
      const help = execFileSync("terraform", ["providers", "lock", "-help"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
      expect(help).toContain("-platform=os_arch");
    },
  },
  {
    pattern: /^npx cdktn synth$/,
    evidence: "the CDK Terrain lane (npm run lane:cdktn, run by .ci/run) runs cdktn synth through the fork's CLI, installed from the lane's lockfile",
    check: () => {
      expect(read("scripts/cdktn-lane.sh")).toMatch(/^"\$LANE\/node_modules\/\.bin\/cdktn" synth$/m);
      expect(read(".ci/run")).toMatch(/^npm run lane:cdktn$/m);
      expect(JSON.parse(read(".ci/cdktn/package.json")).dependencies["cdktn-cli"]).toBeDefined();
    },
  },
  {
    pattern: /^((?:[A-Z_][A-Z0-9_]*=\S+\s+)+)npm run synth$/,
    evidence: "synthesized here with exactly these variables and the shipped cdktf.json (what the rule for that command asserts is in SYNTH_CHECKS)",
    check: (command) => {
      const { env } = splitAssignments(command);
      const checkFor = SYNTH_CHECKS.find((c) => Object.keys(env).sort().join(",") === c.variables.join(","));
      expect({ command, checked: checkFor !== undefined }).toEqual({ command, checked: true });
      checkFor!.check(synthApp(env, CONTEXT));
    },
  },
];

/** What each documented `VAR=… npm run synth` must produce. */
const SYNTH_CHECKS: Array<{ variables: string[]; check: (stacks: Record<string, any>) => void }> = [
  {
    variables: ["INGEST_TF_WORKSPACE_PREFIX", "TF_CLOUD_ORGANIZATION"],
    check: (stacks) => {
      // One cloud block per environment of the shipped cdktf.json, each its own workspace, no other backend.
      const environments = Object.keys(CONTEXT.environments);
      expect(Object.keys(stacks)).toEqual(environments.map((e) => `streaming-ingest-${e}`));
      const clouds = Object.values(stacks).map((json) => ({ cloud: json.terraform.cloud, backend: json.terraform.backend }));
      expect(clouds).toEqual(environments.map((e) => ({ cloud: { organization: "acme", workspaces: { name: `streaming-ingest-${e}` } }, backend: undefined })));
    },
  },
  {
    variables: ["INGEST_CONTEXT"],
    check: (stacks) => {
      expect(Object.keys(stacks)).toEqual(["streaming-ingest-qa"]);
      expect(stacks["streaming-ingest-qa"].provider.aws[0].region).toBe("eu-central-1");
    },
  },
];

describe("the README's shell commands", () => {
  const commands = readmeCommands();

  it("are found (the extraction works)", () => {
    expect(commands).toEqual(expect.arrayContaining(["npm ci", "npm run synth", "npm test"]));
  });

  it.each(commands.map((c) => [c]))("%s: has evidence", (command) => {
    const rule = RULES.find((r) => r.pattern.test(command));
    expect({ command, rule: rule?.evidence ?? "none: add a rule with real evidence" }).toEqual({ command, rule: expect.not.stringMatching(/^none/) });
    rule!.check(command, command.match(rule!.pattern)!);
  });

  it("name only npm scripts that exist, in the prose too (`npm run x` in backticks)", () => {
    const named = [...README.matchAll(/`npm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((s) => !(s in PKG.scripts))).toEqual([]);
  });
});

describe("the README's CDKTF or CDK Terrain section", () => {
  const section = README.split(/^## CDKTF or CDK Terrain$/m)[1]?.split(/^## /m)[0] ?? "";
  const snippet = JSON.parse(section.match(/^```json\n([\s\S]*?)^```/m)?.[1] ?? "{}");

  it("shows exactly the dependencies the CDK Terrain lane installs (and tests), beside this package", () => {
    const { "cdktf-streaming-ingest": library, ...engine } = snippet.dependencies;
    expect(library).toBe(`^${PKG.version}`);
    expect(engine).toEqual(JSON.parse(read(".ci/cdktn/package.json")).dependencies);
  });

  it("names the target versions cdktf.json declares and the lane synthesizes with", () => {
    const { targetVersions } = JSON.parse(read("cdktf.json"));
    expect(section).toContain(`"targetVersions": ${JSON.stringify(targetVersions).replace(/:/g, ": ").replace(/,/g, ", ").replace(/^\{/, "{ ").replace(/\}$/, " }")}`);
  });
});

describe("the README's configuration table and help", () => {
  it.each(Object.entries(CONFIG_VARIABLES))("list %s with its context key", (name, { context }) => {
    expect(README).toContain(`| \`${name}\` | \`${context}\` |`);
    expect(read("help")).toMatch(new RegExp(`^\\s+${name}\\s+${context}\\s`, "m"));
  });

  it("claim no --context flag for cdktf synth (cdktf 0.21 has none)", () => {
    expect(README).not.toMatch(/cdktf synth --context/);
  });
});

describe("the README's comparison with AWS CDK", () => {
  it("names KinesisStreamSource, which the aws-cdk-lib the benchmark uses exports", () => {
    const source = read("node_modules/aws-cdk-lib/aws-kinesisfirehose/lib/source.d.ts");
    expect(source).toContain("export declare class KinesisStreamSource");
    expect(README).toContain("KinesisStreamSource");
    expect(README).not.toMatch(/what the CDK lists as missing/);
  });
});
