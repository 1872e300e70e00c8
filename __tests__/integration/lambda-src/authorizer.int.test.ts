import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { authorizerEvent, basic } from "../../helpers/authorizer";
import { countingProxy, CountingProxy, MotoServer, startMoto } from "../../helpers/moto";

jest.setTimeout(60_000);

let moto: MotoServer;
let proxy: CountingProxy;
let admin: SecretsManagerClient;
const GET = "secretsmanager.GetSecretValue";
const savedEnv = { ...process.env };
/** What the function printed (stdout and stderr: Powertools writes errors to stderr). */
let stdout: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
  proxy = await countingProxy(moto.endpoint);
  admin = new SecretsManagerClient(moto.clientConfig);
});
afterAll(async () => {
  process.env = savedEnv;
  await proxy?.close();
  await moto?.stop();
});
beforeEach(() => {
  stdout = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, "write").mockImplementation((chunk: any) => (stdout.push(String(chunk)), true));
  }
});
afterEach(() => jest.restoreAllMocks());

/** Loads the real handler module fresh, as a new Lambda container would, configured through its environment. */
function newContainer(secretId: string, maxAgeSeconds: number, graceSeconds = 0): (e: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult> {
  Object.assign(process.env, {
    SECRET_ID: secretId,
    SECRET_MAX_AGE_SECONDS: String(maxAgeSeconds),
    // 0: the previous value is never accepted (and never read), so the TTL tests count one read.
    PREVIOUS_CREDENTIALS_GRACE_SECONDS: String(graceSeconds),
    SECRET_FAILURE_BACKOFF_SECONDS: "2",
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.endpoint,
    POWERTOOLS_LOG_LEVEL: "INFO",
    // What IngestApi sets on the function: the handler names no service or namespace itself.
    POWERTOOLS_SERVICE_NAME: "authorizer",
    POWERTOOLS_METRICS_NAMESPACE: "StreamingIngest",
  });
  let handler: any;
  jest.isolateModules(() => {
    handler = require("../../../lambda-src/authorizer/index").handler;
  });
  return handler;
}

const effect = (r: APIGatewayAuthorizerResult) => r.policyDocument.Statement[0].Effect;
const call = (h: ReturnType<typeof newContainer>, user: string, password: string) => h(authorizerEvent({ Authorization: basic(user, password) }));

describe("authorizer against Secrets Manager (moto server)", () => {
  it("reads the secret once per container per TTL, however many requests arrive", async () => {
    await admin.send(new CreateSecretCommand({ Name: "creds-once", SecretString: JSON.stringify({ username: "partner", password: "p-1" }) }));
    const handler = newContainer("creds-once", 300);
    const before = proxy.count(GET);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call(handler, "partner", i % 2 ? "p-1" : "wrong")));
    for (let i = 0; i < 5; i++) await call(handler, "partner", "p-1");
    expect(results.map(effect)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? "Allow" : "Deny")));
    expect(proxy.count(GET) - before).toBe(1);

    const second = newContainer("creds-once", 300); // a new container reads once more
    await call(second, "partner", "p-1");
    expect(proxy.count(GET) - before).toBe(2);
  });

  it("without a grace period, accepts a changed password once the TTL has passed, and not before", async () => {
    await admin.send(new CreateSecretCommand({ Name: "creds-rotated", SecretString: JSON.stringify({ username: "partner", password: "old" }) }));
    const handler = newContainer("creds-rotated", 1);
    const before = proxy.count(GET);
    expect(effect(await call(handler, "partner", "old"))).toBe("Allow");
    await admin.send(new PutSecretValueCommand({ SecretId: "creds-rotated", SecretString: JSON.stringify({ username: "partner", password: "new" }) }));
    expect(effect(await call(handler, "partner", "new"))).toBe("Deny"); // still cached
    expect(proxy.count(GET) - before).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(effect(await call(handler, "partner", "new"))).toBe("Allow");
    expect(effect(await call(handler, "partner", "old"))).toBe("Deny");
    expect(proxy.count(GET) - before).toBe(2);
  });

  it("fails (a 500, which API Gateway does not cache) when the secret does not exist, logging an error and a metric but no stack or secret", async () => {
    const handler = newContainer("no-such-secret", 300);
    await expect(call(handler, "partner", "p-1")).rejects.toThrow("credentials unavailable");
    // JSON lines are the function's logs and metrics (Node 20 here also prints an SDK deprecation warning).
    const lines = stdout.join("").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    expect(lines).toContainEqual(expect.objectContaining({ level: "ERROR", message: "credentials secret unreadable" }));
    expect(lines).toContainEqual(expect.objectContaining({ SecretUnavailable: 1 })); // EMF metric
    expect(stdout.join("")).not.toMatch(/p-1|at .*\.js:\d+/);
  });

  it("during an outage reads once per back-off, not once per request, and lets producers in as soon as the secret is back", async () => {
    const handler = newContainer("creds-outage", 300);
    const before = proxy.count(GET);
    const burst = () => Promise.allSettled(Array.from({ length: 20 }, () => call(handler, "partner", "p-1")));
    expect((await burst()).map((r) => r.status)).toEqual(Array(20).fill("rejected"));
    expect((await burst()).map((r) => r.status)).toEqual(Array(20).fill("rejected"));
    expect(proxy.count(GET) - before).toBe(1);
    await admin.send(new CreateSecretCommand({ Name: "creds-outage", SecretString: JSON.stringify({ username: "partner", password: "p-1" }) }));
    await new Promise((r) => setTimeout(r, 2100)); // the back-off (2 s here)
    expect(effect(await call(handler, "partner", "p-1"))).toBe("Allow");
    expect(proxy.count(GET) - before).toBe(2);
  });

  it("rotates without lockout: after a change, both passwords work for the grace period, the old one flagged by a metric", async () => {
    await admin.send(new CreateSecretCommand({ Name: "creds-grace", SecretString: JSON.stringify({ username: "partner", password: "old" }) }));
    await admin.send(new PutSecretValueCommand({ SecretId: "creds-grace", SecretString: JSON.stringify({ username: "partner", password: "new" }) }));
    const during = newContainer("creds-grace", 300, 3600);
    expect(effect(await call(during, "partner", "new"))).toBe("Allow");
    expect(effect(await call(during, "partner", "old"))).toBe("Allow");
    expect(effect(await call(during, "partner", "older"))).toBe("Deny");
    const lines = stdout.join("").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    expect(lines).toContainEqual(expect.objectContaining({ PreviousCredentialsUsed: 1 }));
    // A secret never changed has no AWSPREVIOUS: Secrets Manager answers ResourceNotFound, which means none.
    await admin.send(new CreateSecretCommand({ Name: "creds-fresh", SecretString: JSON.stringify({ username: "partner", password: "only" }) }));
    expect(effect(await call(newContainer("creds-fresh", 300, 3600), "partner", "only"))).toBe("Allow");
    // Once the grace period is over (0 here), only the new password opens.
    const after = newContainer("creds-grace", 300, 0);
    expect(effect(await call(after, "partner", "new"))).toBe("Allow");
    expect(effect(await call(after, "partner", "old"))).toBe("Deny");
  });

  it("logs no credential, header or secret value while serving requests", async () => {
    await admin.send(new CreateSecretCommand({ Name: "creds-logs", SecretString: JSON.stringify({ username: "partner", password: "hunter2-very-secret" }) }));
    const handler = newContainer("creds-logs", 300);
    await call(handler, "partner", "hunter2-very-secret");
    await call(handler, "partner", "attempted-guess");
    const out = stdout.join("");
    expect(out).toContain('"message":"allowed"');
    for (const s of ["hunter2-very-secret", "attempted-guess", basic("partner", "attempted-guess").slice(6)]) expect(out).not.toContain(s);
  });
});

describe("rotation by our rotation function while producers send (moto server)", () => {
  it("refuses no request: before, during and after the rotation, old and new passwords open the API", async () => {
    const secretId = "creds-rotation";
    await admin.send(new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify({ username: "partner", password: "before-rotation" }) }));
    // Three containers with their own caches, at the API's default TTL (300 s: no container
    // re-reads on its own during the run), accepting the previous value for an hour.
    const containers = [0, 1, 2].map(() => newContainer(secretId, 300, 3600));
    const { handler: rotationStep } = loadRotationFunction();

    // Producers: a prompt one switches to the new password as soon as AWSCURRENT moves, a slow one
    // keeps the old password throughout (it switches later, within the grace period).
    let latest = "before-rotation";
    const results: Array<{ password: string; effect: string }> = [];
    let sending = true;
    const producer = async (password: () => string) => {
      for (let i = 0; sending; i++) {
        const p = password();
        results.push({ password: p, effect: effect(await call(containers[i % 3], "partner", p)) });
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const flowing = Promise.all([producer(() => latest), producer(() => "before-rotation")]);

    // What Secrets Manager does to start a rotation: a version staged AWSPENDING under the request
    // token (moto copies the current value into it; AWS leaves it empty), then our four steps.
    const token = "a1b2c3d4-0000-4000-8000-000000000001";
    await admin.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: JSON.stringify({ username: "partner", password: "before-rotation" }), VersionStages: ["AWSPENDING"] }));
    await new Promise((r) => setTimeout(r, 1200));
    for (const step of ["createSecret", "setSecret", "testSecret", "finishSecret"] as const) {
      await rotationStep({ SecretId: secretId, ClientRequestToken: token, Step: step });
      await new Promise((r) => setTimeout(r, 300));
    }
    const rotated = JSON.parse((await admin.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: "AWSCURRENT" }))).SecretString!);
    latest = rotated.password;
    await new Promise((r) => setTimeout(r, 1500)); // the prompt producer's new password makes each container read again
    sending = false;
    await flowing;

    // The rotation: a new 32-character password of letters and digits, the user name kept, the
    // new version AWSCURRENT and the old one AWSPREVIOUS.
    expect(rotated.username).toBe("partner");
    expect(rotated.password).toMatch(/^[A-Za-z0-9]{32}$/);
    const stages = (await admin.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages!;
    expect(stages[token]).toContain("AWSCURRENT"); // (AWS also drops AWSPENDING from it; moto keeps it)
    expect(Object.values(stages)).toContainEqual(["AWSPREVIOUS"]);
    // Requests flowed with both passwords, and none was refused.
    const withNew = results.filter((r) => r.password === rotated.password).length;
    const withOld = results.filter((r) => r.password === "before-rotation").length;
    require("fs").writeSync(2, `rotation under load: ${results.length} requests (${withOld} old password, ${withNew} new), refused ${results.filter((r) => r.effect !== "Allow").length}\n`);
    expect(withNew).toBeGreaterThan(10);
    expect(withOld).toBeGreaterThan(10);
    expect(results.filter((r) => r.effect !== "Allow")).toEqual([]);
    // A retried step changes nothing: finishSecret again leaves the stages as they are.
    await rotationStep({ SecretId: secretId, ClientRequestToken: token, Step: "finishSecret" });
    expect((await admin.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages).toEqual(stages);
  });
});

/** The real rotation function module, fresh, pointed at moto through the proxy (newContainer set the environment). */
function loadRotationFunction(): { handler: (event: { SecretId: string; ClientRequestToken: string; Step: string }) => Promise<void> } {
  let loaded: any;
  jest.isolateModules(() => {
    loaded = require("../../../lambda-src/secret-rotation/index");
  });
  return loaded;
}
