/**
 * Authorizer latency, warm and in-process: the real handler module, its secret in Secrets
 * Manager (moto server) and already cached, as in a warm Lambda container. p50 and p99 per call.
 * Usage: node scripts/run-ts.js bench/authorizer.ts [calls=5000]
 */
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { authorizerEvent, basic } from "../__tests__/helpers/authorizer";
import { startMoto } from "../__tests__/helpers/moto";

const calls = Number(process.argv[2] ?? 5000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const moto = await startMoto();
  try {
    await new SecretsManagerClient(moto.clientConfig).send(
      new CreateSecretCommand({ Name: "bench-creds", SecretString: JSON.stringify({ username: "partner", password: "x".repeat(32) }) }),
    );
    Object.assign(process.env, {
      SECRET_ID: "bench-creds",
      SECRET_MAX_AGE_SECONDS: "3600",
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
      // Decision cost only: per-request INFO lines would measure this terminal, not the code.
      POWERTOOLS_LOG_LEVEL: "WARN",
    });
    const { handler } = require("../lambda-src/authorizer/index");
    const cases = {
      "right credentials (Allow)": authorizerEvent({ Authorization: basic("partner", "x".repeat(32)) }),
      "wrong password (Deny)": authorizerEvent({ Authorization: basic("partner", "y".repeat(32)) }),
      "malformed header (Deny)": authorizerEvent({ Authorization: "Basic !!!!" }),
    };
    await handler(cases["right credentials (Allow)"]); // cold: reads and caches the secret
    console.log(`### Authorizer, warm in-process latency (${calls} calls per case, secret cached)\n`);
    console.log("| case | p50 µs | p99 µs |\n|---|---:|---:|");
    for (const [name, event] of Object.entries(cases)) {
      for (let i = 0; i < 500; i++) await handler(event); // JIT warm-up
      const times: number[] = [];
      for (let i = 0; i < calls; i++) {
        const start = process.hrtime.bigint();
        await handler(event);
        times.push(Number(process.hrtime.bigint() - start) / 1000);
      }
      times.sort((a, b) => a - b);
      console.log(`| ${name} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 99).toFixed(1)} |`);
    }
  } finally {
    await moto.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
