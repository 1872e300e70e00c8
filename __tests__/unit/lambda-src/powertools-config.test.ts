import { authorizerEvent, basic } from "../../helpers/authorizer";
import { kinesisEvent, lambdaContext } from "../../helpers/kinesis";

/**
 * The handlers take their Powertools service name and metrics namespace from the environment the
 * constructs set (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE), never from constructor
 * arguments, which would override it.
 */
const savedEnv = { ...process.env };
let printed: string[] = [];

beforeEach(() => {
  printed = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, "write").mockImplementation((chunk: any) => (printed.push(String(chunk)), true));
  }
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...savedEnv };
});

/** The handler module loaded fresh (a new container) under `env`. */
function load<T>(modulePath: string, env: Record<string, string>): T {
  Object.assign(process.env, { AWS_REGION: "eu-west-1", ...env });
  let handler: T | undefined;
  jest.isolateModules(() => {
    handler = require(modulePath).handler;
  });
  return handler!;
}

/** The JSON lines printed: logs and EMF metrics. */
const jsonLines = () => printed.join("").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));

describe("Powertools configuration from the environment", () => {
  it("authorizer: logs under POWERTOOLS_SERVICE_NAME and publishes metrics to POWERTOOLS_METRICS_NAMESPACE", async () => {
    // A secret that cannot be read: the authorizer logs an error, counts a metric and fails.
    jest.doMock("@aws-sdk/client-secrets-manager", () => ({
      ...jest.requireActual("@aws-sdk/client-secrets-manager"),
      SecretsManagerClient: class {
        send = () => Promise.reject(Object.assign(new Error("unreadable"), { name: "InternalServiceError" }));
      },
    }));
    const handler = load<(e: unknown) => Promise<any>>("../../../lambda-src/authorizer/index", {
      SECRET_ID: "creds",
      POWERTOOLS_SERVICE_NAME: "partner-gateway",
      POWERTOOLS_METRICS_NAMESPACE: "AcmeIngest",
    });
    await expect(handler(authorizerEvent({ Authorization: basic("partner", "p-1") }))).rejects.toThrow("credentials unavailable");
    jest.dontMock("@aws-sdk/client-secrets-manager");

    const lines = jsonLines();
    expect(lines).toContainEqual(expect.objectContaining({ message: "credentials secret unreadable", service: "partner-gateway" }));
    const emf = lines.find((l) => l._aws);
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe("AcmeIngest");
    expect(emf).toMatchObject({ service: "partner-gateway", SecretUnavailable: 1 });
  });

  it("stream consumer: logs under POWERTOOLS_SERVICE_NAME", async () => {
    const handler = load<(e: unknown, c: unknown) => Promise<any>>("../../../lambda-src/stream-consumer/index", {
      TABLE_NAME: "events",
      PARKING_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/parking",
      POWERTOOLS_SERVICE_NAME: "orders-consumer",
    });
    expect(await handler(kinesisEvent([]), lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(jsonLines()).toContainEqual(expect.objectContaining({ message: "batch processed", service: "orders-consumer" }));
  });
});
