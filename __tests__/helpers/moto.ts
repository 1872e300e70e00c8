import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

import { projectRoot } from "../../scripts/project-root";

const MOTO_SERVER = path.join(projectRoot(), ".venv", "bin", "moto_server");

export interface MotoServer {
  readonly endpoint: string;
  /** SDK client settings pointing at this server, with dummy credentials. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** Starts a moto server on a free loopback port; stop it in afterAll. */
export async function startMoto(): Promise<MotoServer> {
  if (!fs.existsSync(MOTO_SERVER)) {
    throw new Error(`${MOTO_SERVER} is missing: run "bash scripts/ensure-venv.sh" (npm test does it)`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(MOTO_SERVER, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  try {
    await waitUntilUp(endpoint, child, 20_000);
  } catch (e) {
    child.kill("SIGKILL");
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    clientConfig: { endpoint, region: "eu-west-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" } },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}

export interface CountingProxy {
  readonly endpoint: string;
  /** Requests seen per `X-Amz-Target` (e.g. "secretsmanager.GetSecretValue"). */
  count(target: string): number;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of moto that counts the AWS API calls passing through it, so a
 * test can see how often real, unmodified code calls AWS.
 */
export async function countingProxy(targetEndpoint: string): Promise<CountingProxy> {
  const http = await import("http");
  const target = new URL(targetEndpoint);
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const name = String(req.headers["x-amz-target"] ?? `${req.method} ${req.url}`);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as import("net").AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    count: (t) => counts.get(t) ?? 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
