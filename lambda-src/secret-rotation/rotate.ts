import { parseSecret } from "../authorizer/basic-auth";

/**
 * The four steps Secrets Manager asks a rotation function for, for Basic-auth credentials
 * `{ "username", "password" }`. The new password goes to AWSPENDING, and finishSecret moves
 * AWSCURRENT to it; Secrets Manager then labels the old value AWSPREVIOUS, which the authorizer
 * keeps accepting for its grace period, so producers switch when they like and nobody is
 * locked out (README, "Rotating the Basic-auth credentials").
 */
export type RotationStep = "createSecret" | "setSecret" | "testSecret" | "finishSecret";

/** The Secrets Manager calls the steps make, so they can be tested against any implementation. */
export interface RotationClient {
  /** The versions' stages, by version id (DescribeSecret's VersionIdsToStages). */
  describe(secretId: string): Promise<Record<string, string[]>>;
  /** A version's SecretString, by stage or by version id; undefined when there is none. */
  read(secretId: string, by: { stage: "AWSCURRENT" | "AWSPENDING"; versionId?: string }): Promise<string | undefined>;
  /** A new random password of letters and digits. */
  randomPassword(length: number): Promise<string>;
  /** Puts a new version with the client request token as its id, staged AWSPENDING. */
  putPending(secretId: string, token: string, secretString: string): Promise<void>;
  /** Moves AWSCURRENT from one version to another (AWSPREVIOUS follows). */
  moveCurrent(secretId: string, toVersionId: string, fromVersionId: string): Promise<void>;
}

export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

/** Runs one step. Each step can run again (Secrets Manager retries) and then changes nothing. */
export async function rotate(event: RotationEvent, client: RotationClient, passwordLength: number): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const versions = await client.describe(secretId);
  const stages = versions[token];
  if (!stages) throw new Error(`version ${token} is not a version of the secret`);
  if (stages.includes("AWSCURRENT")) return; // already finished: a retry
  if (!stages.includes("AWSPENDING")) throw new Error(`version ${token} is not staged AWSPENDING`);

  switch (step) {
    case "createSecret": {
      const currentText = await client.read(secretId, { stage: "AWSCURRENT" });
      const current = parseSecret(JSON.parse(currentText ?? "null"));
      // Done already when the pending version holds a value of its own. (Secrets Manager starts a
      // rotation with an empty AWSPENDING version; an emulator may copy the current value into it.)
      const pending = await client.read(secretId, { stage: "AWSPENDING", versionId: token });
      if (pending !== undefined && pending !== currentText) return;
      const password = await client.randomPassword(passwordLength);
      await client.putPending(secretId, token, JSON.stringify({ username: current.username, password }));
      return;
    }
    case "setSecret":
      // Nothing outside Secrets Manager holds the password: the authorizer reads the secret itself.
      return;
    case "testSecret":
      // What the authorizer will read must parse as it parses it.
      parseSecret(JSON.parse((await client.read(secretId, { stage: "AWSPENDING", versionId: token })) ?? "null"));
      return;
    case "finishSecret": {
      const current = Object.entries(versions).find(([, s]) => s.includes("AWSCURRENT"))?.[0];
      if (!current) throw new Error("the secret has no AWSCURRENT version");
      await client.moveCurrent(secretId, token, current);
      return;
    }
    default:
      throw new Error(`unknown rotation step ${JSON.stringify(step)}`);
  }
}
