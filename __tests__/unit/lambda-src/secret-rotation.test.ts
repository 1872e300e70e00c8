import { rotate, RotationClient, RotationStep } from "../../../lambda-src/secret-rotation/rotate";

const SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:creds";
const TOKEN = "token-2";

/** Secrets Manager in memory: versions with stages and values, as the steps see it. */
function secretsManager(pendingValue?: string) {
  const versions: Record<string, { stages: string[]; value?: string }> = {
    "token-1": { stages: ["AWSCURRENT"], value: JSON.stringify({ username: "partner", password: "old-password" }) },
    [TOKEN]: { stages: ["AWSPENDING"], value: pendingValue },
  };
  const calls: string[] = [];
  const client: RotationClient = {
    describe: async () => Object.fromEntries(Object.entries(versions).map(([id, v]) => [id, [...v.stages]])),
    read: async (_id, { stage, versionId }) =>
      Object.entries(versions).find(([id, v]) => v.stages.includes(stage) && (versionId === undefined || id === versionId))?.[1].value,
    randomPassword: async (length) => (calls.push("randomPassword"), "N".repeat(length)),
    putPending: async (_id, token, value) => {
      calls.push("putPending");
      versions[token].value = value;
    },
    moveCurrent: async (_id, to, from) => {
      calls.push("moveCurrent");
      versions[from].stages = ["AWSPREVIOUS"];
      versions[to].stages = [...versions[to].stages, "AWSCURRENT"];
    },
  };
  const step = (Step: RotationStep, token = TOKEN) => rotate({ SecretId: SECRET, ClientRequestToken: token, Step }, client, 32);
  return { versions, calls, step };
}

describe("the rotation function's steps", () => {
  it("puts a new password under AWSPENDING, keeping the user name, then moves AWSCURRENT to it (AWSPREVIOUS follows)", async () => {
    const sm = secretsManager();
    for (const s of ["createSecret", "setSecret", "testSecret", "finishSecret"] as const) await sm.step(s);
    expect(JSON.parse(sm.versions[TOKEN].value!)).toEqual({ username: "partner", password: "N".repeat(32) });
    expect(sm.versions[TOKEN].stages).toContain("AWSCURRENT");
    expect(sm.versions["token-1"].stages).toEqual(["AWSPREVIOUS"]);
    expect(sm.calls).toEqual(["randomPassword", "putPending", "moveCurrent"]);
  });

  it("changes nothing when Secrets Manager retries a step that has run", async () => {
    const sm = secretsManager();
    await sm.step("createSecret");
    await sm.step("createSecret");
    await sm.step("finishSecret");
    await sm.step("finishSecret");
    expect(sm.calls).toEqual(["randomPassword", "putPending", "moveCurrent"]);
  });

  it("makes a new password when the pending version holds a copy of the current value (as an emulator fills it)", async () => {
    const sm = secretsManager(JSON.stringify({ username: "partner", password: "old-password" }));
    await sm.step("createSecret");
    expect(JSON.parse(sm.versions[TOKEN].value!).password).toBe("N".repeat(32));
  });

  it("fails testSecret on a pending value the authorizer could not read", async () => {
    const sm = secretsManager(JSON.stringify({ username: "partner" }));
    await expect(sm.step("testSecret")).rejects.toThrow(/username and password/);
  });

  it("refuses a token that is no version of the secret, or is not pending", async () => {
    const sm = secretsManager();
    await expect(sm.step("createSecret", "unknown")).rejects.toThrow("version unknown is not a version of the secret");
    sm.versions[TOKEN].stages = ["AWSPREVIOUS"];
    await expect(sm.step("createSecret")).rejects.toThrow(`version ${TOKEN} is not staged AWSPENDING`);
  });
});
