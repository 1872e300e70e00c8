/**
 * Deploy tier, local state as a user has it: a project whose stack uses the library's default local
 * backend (`stackBackend(stack, { kind: "local" })`), deployed with `cdktf deploy`. The state file
 * lands in the project root, survives `rm -rf cdktf.out` and a new `cdktf synth`, and plain
 * `terraform -chdir=cdktf.out/stacks/<stack>` finds it (its plan has nothing to do). The stack holds
 * one `terraform_data` (built into Terraform: no provider, no emulator needed).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildSync } from "esbuild";
import { run, tail } from "./support/terraform";

const ROOT = path.join(__dirname, "..", "..");
const STACK = "demo-dev";
jest.setTimeout(180_000);

const APP = `const { App, TerraformStack, TerraformResource } = require("cdktf");
const { stackBackend } = require("./state-backend");
const app = new App();
const stack = new TerraformStack(app, ${JSON.stringify(STACK)});
stackBackend(stack, { kind: "local" });
new TerraformResource(stack, "marker", { terraformResourceType: "terraform_data" }).addOverride("input", "v1");
app.synth();
`;

describe("deploy tier: local state outside cdktf.out", () => {
  let project: string;
  let env: NodeJS.ProcessEnv;
  const stateFile = () => path.join(project, `terraform.${STACK}.tfstate`);
  const cli = async (command: string, args: string[]) => {
    const result = await run(command, args, { cwd: project, env });
    if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.code}:\n${tail(result)}`);
    return result;
  };
  const cdktf = (args: string[]) => cli(path.join(ROOT, "node_modules", ".bin", "cdktf"), [...args, "--no-color"]);

  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "ingest-local-state-"));
    fs.writeFileSync(path.join(project, "cdktf.json"), JSON.stringify({ language: "typescript", app: "node app.js", sendCrashReports: "false" }));
    fs.writeFileSync(path.join(project, "app.js"), APP);
    buildSync({ entryPoints: [path.join(ROOT, "modules", "core", "state-backend.ts")], bundle: true, platform: "node", format: "cjs", packages: "external", outfile: path.join(project, "state-backend.js"), logLevel: "warning" });
    env = { ...process.env, NODE_PATH: path.join(ROOT, "node_modules"), CHECKPOINT_DISABLE: "1", CI: "1" };
  });
  afterAll(() => project && fs.rmSync(project, { recursive: true, force: true }));

  it("cdktf deploy writes the state to the project root, not into cdktf.out", async () => {
    await cdktf(["deploy", "--auto-approve", "--skip-provider-lock"]);
    expect(JSON.parse(fs.readFileSync(stateFile(), "utf8")).resources.map((r: { type: string }) => r.type)).toEqual(["terraform_data"]);
    expect(fs.existsSync(path.join(project, "cdktf.out", "stacks", STACK, `terraform.${STACK}.tfstate`))).toBe(false);
  });

  it("rm -rf cdktf.out and a new synth leave the state in place", async () => {
    const before = fs.readFileSync(stateFile(), "utf8");
    fs.rmSync(path.join(project, "cdktf.out"), { recursive: true, force: true });
    await cdktf(["synth"]);
    expect(fs.readFileSync(stateFile(), "utf8")).toBe(before);
  });

  it("plain terraform -chdir=cdktf.out/stacks/<stack> uses the same state: nothing to change", async () => {
    const chdir = `-chdir=${path.join("cdktf.out", "stacks", STACK)}`;
    await cli("terraform", [chdir, "init", "-input=false", "-no-color"]);
    const plan = await run("terraform", [chdir, "plan", "-detailed-exitcode", "-input=false", "-no-color"], { cwd: project, env });
    expect({ code: plan.code, out: plan.stdout }).toEqual({ code: 0, out: expect.stringContaining("No changes") });
  });
});
