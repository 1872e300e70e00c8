import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
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
function newContainer(secretId: string, maxAgeSeconds: number): (e: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult> {
  Object.assign(process.env, {
    SECRET_ID: secretId,
    SECRET_MAX_AGE_SECONDS: String(maxAgeSeconds),
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

  it("accepts a changed password once the TTL has passed, and not before", async () => {
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

  it("denies when the secret does not exist, logging an error and a metric but no stack or secret", async () => {
    const handler = newContainer("no-such-secret", 300);
    const result = await call(handler, "partner", "p-1");
    expect(effect(result)).toBe("Deny");
    // JSON lines are the function's logs and metrics (Node 20 here also prints an SDK deprecation warning).
    const lines = stdout.join("").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    expect(lines).toContainEqual(expect.objectContaining({ level: "ERROR", message: "credentials secret unreadable" }));
    expect(lines).toContainEqual(expect.objectContaining({ SecretUnavailable: 1 })); // EMF metric
    expect(stdout.join("")).not.toMatch(/p-1|at .*\.js:\d+/);
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
