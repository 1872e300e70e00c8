import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { unzipSync } from "fflate";
import { bundleHandler, bundleZipPath } from "../../modules";

/**
 * The package as a Terraform team gets it: `npm pack` (prepack builds dist/), installed into a
 * fresh project outside the checkout with only the peers (no esbuild, no lambda-src), used from
 * plain JavaScript to synthesize a pipeline.
 */
const ROOT = path.resolve(__dirname, "..", "..");
const PEERS = ["cdktf@0.21.0", "constructs@10.7.2", "@cdktf/provider-aws@21.22.1"];
const HANDLERS = ["authorizer", "stream-consumer"];

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** The environment without the outer npm run's package scope, a cdktf CLI's settings or this jest worker's id. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|CDKTF_|JEST_WORKER_ID$)/.test(k)),
  );
}

/** Runs a command to completion; its output is in the error when it fails. */
function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, env: cleanEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${path.basename(cmd)} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}${stderr ?? ""}`.slice(-8000));
  }
}

const APP_JS = `"use strict";
const { App, TerraformStack } = require("cdktf");
const { AwsProvider } = require("@cdktf/provider-aws/lib/provider");
const { ProducerAccessMode, RemovalPolicy, StreamingIngestPipeline } = require("cdktf-streaming-ingest");

const app = new App({ outdir: "cdktf.out" });
const stack = new TerraformStack(app, "ingest");
new AwsProvider(stack, "aws", { region: "eu-west-1" });
new StreamingIngestPipeline(stack, "Pipeline", {
  namePrefix: "acme",
  removalPolicy: RemovalPolicy.DESTROY,
  producer: { mode: ProducerAccessMode.ACCESS_KEY, pgpKey: "keybase:partner" },
});
app.synth();
`;

describe("the npm package", () => {
  let tmp: string;
  let packed: Packed;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "package-"));
    packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", tmp], ROOT))[0];
  }, 5 * 60 * 1000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("packs the compiled library, its types and the prebuilt handlers, and nothing of the checkout", () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(["package.json", "README.md", "CHANGELOG.md", "dist/modules/index.js", "dist/modules/index.d.ts", "dist/modules/testing/index.js", "dist/modules/testing/index.d.ts"]),
    );
    for (const name of HANDLERS) {
      expect(files.filter((f) => new RegExp(`^dist/lambda/${name}-[0-9a-f]{8}(\\.zip|/index\\.js)$`).test(f))).toHaveLength(2);
    }
    const unwanted = files.filter(
      (f) => /^(__tests__|app|bench|scripts|lambda-src|modules|node_modules|cdktf\.out|\.build)\//.test(f) || f === "main.ts" || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
    );
    expect(unwanted).toEqual([]);
    expect(packed.unpackedSize).toBeLessThan(10 * 1024 * 1024);
  });

  describe("installed into an empty project with only its peers", () => {
    let project: string;
    let stackDir: string;
    let json: any;

    beforeAll(() => {
      project = path.join(tmp, "consumer");
      fs.mkdirSync(project);
      fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
      run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(tmp, packed.filename), ...PEERS], project);
      fs.writeFileSync(path.join(project, "app.js"), APP_JS);
      run(process.execPath, ["app.js"], project);
      stackDir = path.join(project, "cdktf.out", "stacks", "ingest");
      json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
    }, 10 * 60 * 1000);

    it("installs with only its peers: no esbuild, no handler runtime dependencies", () => {
      const modules = path.join(project, "node_modules");
      expect(fs.existsSync(path.join(modules, "cdktf-streaming-ingest", "dist", "modules", "index.js"))).toBe(true);
      expect(fs.existsSync(path.join(modules, "esbuild"))).toBe(false);
      expect(fs.existsSync(path.join(modules, "@aws-lambda-powertools"))).toBe(false);
      expect(fs.existsSync(path.join(modules, "@aws-sdk"))).toBe(false);
      expect(fs.existsSync(path.join(project, ".build"))).toBe(false); // nothing was bundled at synth
    });

    it("says what is missing when a handler cannot come prebuilt: other bundling options, or a custom entry without esbuild", () => {
      const attempt = (args: string) =>
        run(process.execPath, ["-e", `try { require("cdktf-streaming-ingest").bundleHandler(${args}); } catch (e) { console.log(e.message); }`], project).trim();
      expect(attempt('"authorizer", { minify: false }')).toBe(
        'NodejsFunction: the built-in handler "authorizer" ships prebuilt with the default bundling options only; to bundle it otherwise, pass an absolute entry file',
      );
      const custom = path.join(project, "handler", "index.ts");
      fs.mkdirSync(path.dirname(custom));
      fs.writeFileSync(custom, "export const handler = async () => 1;\n");
      expect(attempt(JSON.stringify(custom))).toBe(
        `NodejsFunction: bundling ${custom} needs esbuild; install it beside cdktf-streaming-ingest (npm install --save-dev esbuild)`,
      );
      expect(attempt('"no-such-handler"')).toMatch(/^NodejsFunction: entry "no-such-handler" not found/);
    });

    it("type-checks the README's TypeScript example against the package's declarations", () => {
      const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
      const example = /## Install into your own cdktf app[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(example).toContain('from "cdktf-streaming-ingest"');
      fs.writeFileSync(path.join(project, "main.ts"), example!);
      const compilerOptions = { strict: true, noEmit: true, skipLibCheck: true, target: "es2022", module: "node16", moduleResolution: "node16", types: [] };
      fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["main.ts"] }));
      run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], project);
    });

    describe("its testing entry, cdktf-streaming-ingest/testing", () => {
      /** Runs jest in the project with `config`; jest itself comes from this checkout, everything the tests require from the project. */
      const jest = (config: object, ...files: string[]) =>
        run(process.execPath, [require.resolve("jest/bin/jest"), "--ci", "--runInBand", "--json", "--config", JSON.stringify({ rootDir: project, testEnvironment: "node", ...config }), ...files], project);
      const SETUP = { setupFilesAfterEnv: ["cdktf-streaming-ingest/testing"] };
      const TYPESCRIPT = { transform: { "^.+\\.ts$": [require.resolve("@swc/jest"), { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] } };
      const failureOf = (runJest: () => string) => {
        try {
          runJest();
        } catch (e) {
          return (e as Error).message;
        }
        throw new Error("expected jest to fail");
      };

      beforeAll(() => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const firstTest = /## Testing your stack[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
        expect(firstTest).toContain('from "cdktf-streaming-ingest/testing"');
        fs.writeFileSync(path.join(project, "stack.test.ts"), firstTest!);
        // What a user's negative assertion looks like, about a resource the stack has: it must fail.
        fs.writeFileSync(
          path.join(project, "negative.test.js"),
          `const { TerraformStack, Testing } = require("cdktf");
const { AwsProvider } = require("@cdktf/provider-aws/lib/provider");
const { KinesisStream } = require("@cdktf/provider-aws/lib/kinesis-stream");
const { DataStream } = require("cdktf-streaming-ingest");
test("the stack has no stream (it has one)", () => {
  const stack = new TerraformStack(Testing.app(), "ingest");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new DataStream(stack, "Events", { streamName: "events" });
  expect(Testing.synth(stack)).not.toHaveResource(KinesisStream);
});
`,
        );
      });

      it("is required from plain Node.js (no jest) and exports the helpers", () => {
        const keys = run(process.execPath, ["-e", 'console.log(Object.keys(require("cdktf-streaming-ingest/testing")).sort().join(" "))'], project).trim();
        expect(keys).toBe("assertGranted findResource grantedStatements isGranted matchersLoaded setupJest synthJson");
      });

      it("runs the README's first test in setupFilesAfterEnv: cdktf's matchers, findResource and assertGranted work", () => {
        const results = JSON.parse(jest({ ...SETUP, ...TYPESCRIPT }, "stack.test.ts"));
        expect([results.numPassedTests, results.numFailedTests]).toEqual([1, 0]);
      });

      it("type-checks the README's first test against the package's declarations, matchers included", () => {
        const compilerOptions = {
          strict: true, noEmit: true, skipLibCheck: true, target: "es2022", module: "node16", moduleResolution: "node16",
          typeRoots: [path.join(ROOT, "node_modules", "@types")], types: ["jest"],
        };
        fs.writeFileSync(path.join(project, "tsconfig.test.json"), JSON.stringify({ compilerOptions, files: ["stack.test.ts"] }));
        run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.test.json"], project);
      });

      it("makes a negative assertion about a resource the stack has fail", () => {
        expect(failureOf(() => jest(SETUP, "negative.test.js"))).toMatch(/Expected no aws_kinesis_stream with properties \{\} to be present in synthesized stack/);
      });

      it("listed in setupFiles (before jest defines expect), stops with an error saying where it belongs", () => {
        expect(failureOf(() => jest({ setupFiles: ["cdktf-streaming-ingest/testing"] }, "negative.test.js"))).toContain(
          'cdktf-streaming-ingest/testing: there is no global expect to add cdktf\'s matchers to. List "cdktf-streaming-ingest/testing" in jest\'s setupFilesAfterEnv',
        );
      });
    });

    it("synthesizes the pipeline's stream, table, API and delivery stream from a JavaScript app", () => {
      for (const type of ["aws_kinesis_stream", "aws_dynamodb_table", "aws_api_gateway_rest_api", "aws_kinesis_firehose_delivery_stream"]) {
        expect(Object.keys(json.resource[type] ?? {})).toHaveLength(1);
      }
    });

    it("deploys both handlers as their prebuilt zips, byte for byte what the checkout bundles", () => {
      const functions = Object.values(json.resource.aws_lambda_function) as any[];
      expect(functions.map((f) => f.function_name).sort()).toEqual(["acme-authorizer", "acme-stream-consumer"]);
      for (const name of HANDLERS) {
        const fn = functions.find((f) => f.function_name === `acme-${name}`);
        const zip = fs.readFileSync(path.join(stackDir, fn.filename));
        const entries = unzipSync(new Uint8Array(zip));
        expect(Object.keys(entries).sort()).toEqual(["index.js", "index.js.map"]);
        expect(Buffer.from(entries["index.js"]).toString("utf8")).toMatch(/handler/);
        expect(fn.source_code_hash).toBe(createHash("sha256").update(zip).digest("base64"));
        expect(zip.equals(fs.readFileSync(bundleZipPath(bundleHandler(name))))).toBe(true);
      }
    });
  });
});
