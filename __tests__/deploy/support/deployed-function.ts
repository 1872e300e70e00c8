/**
 * A deployed Lambda function, run in-process: its configuration (handler, timeout, role,
 * environment) is read back from the emulator, its code is the bundled zip from the synth output
 * whose SHA-256 the emulator reports for the function, and it runs in a worker thread with the
 * deployed environment plus what the Lambda runtime adds. Its AWS calls go to the call recorder,
 * signed as the function's execution role, so every call can be checked against that role.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";

import { FunctionConfiguration, GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { unzipSync } from "fflate";

import { credentialsFor } from "./aws-call-recorder";
import type { InvokeOutcome } from "./kinesis-poller";

/** Every file below `dir`. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The principal name the recorder attributes a role's calls to. */
export function rolePrincipal(roleArn: string): string {
  return `role/${roleArn.split("/").pop()}`;
}

export class DeployedFunction {
  /** Reads the function back from the emulator and starts it on the zip with the same SHA-256. */
  static async load(lambda: LambdaClient, functionName: string, options: { assetsDir: string; recorderEndpoint: string; region: string }): Promise<DeployedFunction> {
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const zip = filesUnder(options.assetsDir)
      .filter((f) => f.endsWith(".zip"))
      .find((f) => createHash("sha256").update(fs.readFileSync(f)).digest("base64") === config.CodeSha256);
    if (!zip) throw new Error(`no zip under ${options.assetsDir} has the SHA-256 the emulator reports for ${functionName} (${config.CodeSha256})`);
    return new DeployedFunction(config, zip, options);
  }

  readonly name: string;
  readonly roleArn: string;
  readonly principal: string;
  /** What the handler wrote to stdout and stderr (its logs). */
  readonly logs: string[] = [];
  private readonly worker: Worker;
  private readonly codeDir: string;
  private readonly pending = new Map<number, (outcome: InvokeOutcome) => void>();
  private nextId = 0;

  private constructor(
    readonly config: FunctionConfiguration,
    readonly zipFile: string,
    options: { recorderEndpoint: string; region: string },
  ) {
    this.name = config.FunctionName!;
    this.roleArn = config.Role!;
    this.principal = rolePrincipal(this.roleArn);
    this.codeDir = fs.mkdtempSync(path.join(os.tmpdir(), `fn-${this.name}-`));
    for (const [name, bytes] of Object.entries(unzipSync(fs.readFileSync(zipFile)))) {
      const target = path.join(this.codeDir, name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (!name.endsWith("/")) fs.writeFileSync(target, bytes);
    }
    const credentials = credentialsFor(this.principal);
    this.worker = new Worker(path.join(__dirname, "lambda-worker.js"), {
      workerData: { codeDir: this.codeDir, handler: config.Handler!, functionArn: config.FunctionArn },
      stdout: true,
      stderr: true,
      env: {
        ...(config.Environment?.Variables ?? {}),
        // What the Lambda runtime sets; the credentials are the execution role's, as the recorder names them.
        AWS_REGION: options.region,
        AWS_DEFAULT_REGION: options.region,
        AWS_LAMBDA_FUNCTION_NAME: this.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.MemorySize ?? 128),
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_EXECUTION_ENV: `AWS_Lambda_${config.Runtime}`,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_ENDPOINT_URL: options.recorderEndpoint,
        TZ: "UTC",
      },
    });
    const collect = (chunk: Buffer) => this.logs.push(...String(chunk).split("\n").filter(Boolean));
    this.worker.stdout.on("data", collect);
    this.worker.stderr.on("data", collect);
    this.worker.on("message", (m: { id: number } & InvokeOutcome) => {
      const { id, ...outcome } = m;
      this.pending.get(id)?.(outcome as InvokeOutcome);
      this.pending.delete(id);
    });
  }

  /** The deployed environment variables. */
  get environment(): Record<string, string> {
    return this.config.Environment?.Variables ?? {};
  }

  /** Invokes the handler once, synchronously as Lambda would, within the deployed timeout. */
  invoke(event: unknown): Promise<InvokeOutcome> {
    const id = this.nextId++;
    const timeoutMs = (this.config.Timeout ?? 3) * 1000;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${this.config.Timeout} seconds` });
      }, timeoutMs);
      this.pending.set(id, (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
      this.worker.postMessage({ id, event, timeoutMs });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
    fs.rmSync(this.codeDir, { recursive: true, force: true });
  }
}
