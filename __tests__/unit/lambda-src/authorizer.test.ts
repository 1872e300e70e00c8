import { authorize, CredentialsUnavailableError, matchingVersion } from "../../../lambda-src/authorizer/authorize";
import { AcceptedCredentials, cached, readAcceptedCredentials, SecretVersion } from "../../../lambda-src/authorizer/credentials";
import { apiStageResource, credentialsMatch, MAX_HEADER_LENGTH, parseBasicAuth, parseSecret } from "../../../lambda-src/authorizer/basic-auth";
import { authorizerEvent, basic, METHOD_ARN, STAGE_RESOURCE } from "../../helpers/authorizer";
import { recordingLogger } from "../../helpers/kinesis";

const SECRET = { username: "partner", password: "s3cr3t-Pa55word" };

function deps(accepted: AcceptedCredentials | Error = { current: SECRET }) {
  const logger = recordingLogger();
  const metrics: string[] = [];
  let reads = 0;
  return {
    logger,
    metrics,
    reads: () => reads,
    deps: {
      logger,
      countMetric: (name: string) => void metrics.push(name),
      getCredentials: async () => {
        reads++;
        if (accepted instanceof Error) throw accepted;
        return accepted;
      },
    },
  };
}
const effectOf = (r: any) => r.policyDocument.Statement[0].Effect;

describe("authorize", () => {
  it("allows the right credentials, for every method of the API stage", async () => {
    const t = deps();
    const result = await authorize(authorizerEvent({ Authorization: basic("partner", "s3cr3t-Pa55word") }), t.deps);
    expect(result).toEqual({
      principalId: "partner",
      policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: STAGE_RESOURCE }] },
    });
  });

  it("finds the header whatever its case", async () => {
    const t = deps();
    expect(effectOf(await authorize(authorizerEvent({ authorization: basic("partner", "s3cr3t-Pa55word") }), t.deps))).toBe("Allow");
  });

  it.each([
    ["a wrong password", basic("partner", "wrong")],
    ["a wrong user", basic("other", "s3cr3t-Pa55word")],
    ["the password with a trailing space", basic("partner", "s3cr3t-Pa55word ")],
    ["the password as a prefix", basic("partner", "s3cr3t")],
    ["user and password swapped", basic("s3cr3t-Pa55word", "partner")],
    ["a different case", basic("Partner", "s3cr3t-Pa55word")],
  ])("denies %s, only for the method asked", async (_label, header) => {
    const result = await authorize(authorizerEvent({ Authorization: header }), deps().deps);
    expect(result.policyDocument.Statement[0]).toEqual({ Action: "execute-api:Invoke", Effect: "Deny", Resource: METHOD_ARN });
  });

  const long = "A".repeat(MAX_HEADER_LENGTH);
  const hostile: Array<[string, Record<string, string> | undefined]> = [
    ["no headers at all", undefined],
    ["no Authorization header", { "Content-Type": "application/json" }],
    ["an empty header", { Authorization: "" }],
    ["only spaces", { Authorization: "   " }],
    ["the scheme alone", { Authorization: "Basic" }],
    ["the scheme and a space", { Authorization: "Basic " }],
    ["a Bearer token", { Authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x" }],
    ["Digest auth", { Authorization: 'Digest username="partner"' }],
    ["credentials without a scheme", { Authorization: Buffer.from("partner:s3cr3t-Pa55word").toString("base64") }],
    ["a scheme without a space", { Authorization: `Basic${Buffer.from("partner:s3cr3t-Pa55word").toString("base64")}` }],
    ["two tokens", { Authorization: `Basic ${Buffer.from("a:b").toString("base64")} extra` }],
    ["invalid base64 characters", { Authorization: "Basic !!!!" }],
    ["base64 with bad padding", { Authorization: "Basic cGFydG5lcg=" }],
    ["base64 of the wrong length", { Authorization: "Basic cGFydG5lcjp" }],
    ["URL-safe base64", { Authorization: "Basic cGFy-G5lcjpz_WNy" }],
    ["no colon", { Authorization: `Basic ${Buffer.from("partner").toString("base64")}` }],
    ["an empty user", { Authorization: basic("", "s3cr3t-Pa55word") }],
    ["an empty password", { Authorization: basic("partner", "") }],
    ["only a colon", { Authorization: `Basic ${Buffer.from(":").toString("base64")}` }],
    ["a header over the length limit", { Authorization: `Basic ${long}` }],
    ["a megabyte of base64", { Authorization: `Basic ${"QUFB".repeat(262144)}` }],
    ["non-ASCII in the header itself", { Authorization: "Basic cGFydG5lcjpzZWNyZXQ=é" }],
    ["a non-ASCII scheme", { Authorization: "Bäsic cGFydG5lcjpz" }],
    ["bytes that are not UTF-8", { Authorization: `Basic ${Buffer.from([0x70, 0x3a, 0xff, 0xfe, 0xc3]).toString("base64")}` }],
    ["a NUL byte in the user", { Authorization: `Basic ${Buffer.from("part\u0000ner:s3cr3t-Pa55word").toString("base64")}` }],
    ["a newline in the password", { Authorization: `Basic ${Buffer.from("partner:s3cr3t\r\nX-Injected: 1").toString("base64")}` }],
    ["SQL injection as the user", { Authorization: basic("' OR '1'='1", "x") }],
    ["a template injection", { Authorization: basic("${jndi:ldap://x}", "#{7*7}") }],
    ["a very long valid-looking user", { Authorization: basic("u".repeat(3000), "p") }],
    ["a prototype-pollution user", { Authorization: basic("__proto__", "constructor") }],
    ["emoji credentials", { Authorization: basic("🦄", "🔑") }],
    ["the right credentials in a second header", { Authorization: basic("partner", "wrong"), authorization: basic("partner", "s3cr3t-Pa55word") }],
  ];

  it(`has at least 25 malformed or hostile headers (${hostile.length})`, () => {
    expect(hostile.length).toBeGreaterThanOrEqual(25);
  });

  it.each(hostile)("denies %s without throwing", async (_label, headers) => {
    const t = deps();
    const result = await authorize(authorizerEvent(headers), t.deps);
    expect(effectOf(result)).toBe("Deny");
    expect(result.principalId).toBe("anonymous");
  });

  it("reads the secret again before refusing a password it does not know, unless it read it in the last second", async () => {
    let current = SECRET;
    let reads = 0;
    let clockMs = 0;
    const getCredentials = cached(async () => (reads++, { current }), { maxAgeMs: 300_000, failureMs: 5_000, now: () => clockMs });
    const t = { ...deps().deps, getCredentials };
    const rotated = { username: "partner", password: "rotated-Pa55word" };
    expect(effectOf(await authorize(authorizerEvent({ Authorization: basic(SECRET.username, SECRET.password) }), t))).toBe("Allow");
    current = rotated; // the secret rotates; this container still holds the old value
    clockMs += 999;
    expect(effectOf(await authorize(authorizerEvent({ Authorization: basic(rotated.username, rotated.password) }), t))).toBe("Deny");
    expect(reads).toBe(1); // read 999 ms ago: a wrong password does not drive reads
    clockMs += 1;
    expect(effectOf(await authorize(authorizerEvent({ Authorization: basic(rotated.username, rotated.password) }), t))).toBe("Allow");
    expect(reads).toBe(2);
  });

  it("never reads the secret for a header it cannot parse", async () => {
    const t = deps();
    await authorize(authorizerEvent({ Authorization: "Basic !!!!" }), t.deps);
    expect(t.reads()).toBe(0);
  });

  it("fails (API Gateway: a 500, which it does not cache) and logs an error and a metric when the credentials cannot be read", async () => {
    const t = deps(Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: "ResourceNotFoundException" }));
    await expect(authorize(authorizerEvent({ Authorization: basic("partner", "s3cr3t-Pa55word") }), t.deps)).rejects.toThrow(CredentialsUnavailableError);
    expect(t.metrics).toEqual(["SecretUnavailable"]);
    expect(t.logger.lines).toContainEqual({ level: "error", message: "credentials secret unreadable", fields: { errorName: "ResourceNotFoundException" } });
  });

  // Whole events of the wrong shape, with the right credentials wherever a header can carry them:
  // what a misconfigured integration or a hand-made invoke could send.
  const good = basic("partner", "s3cr3t-Pa55word");
  const withEvent = (patch: Record<string, unknown>) => ({ ...authorizerEvent({ Authorization: good }), ...patch });
  const malformedEvents: Array<[string, unknown]> = [
    ["undefined", undefined],
    ["an empty object", {}],
    ["a number as methodArn", { methodArn: 42 }],
    ["a string event", "Authorization: Basic x"],
    ["a number event", 42],
    ["an array event", [withEvent({})]],
    ["headers as an array", withEvent({ headers: [["Authorization", good]] })],
    ["headers as a string", withEvent({ headers: `Authorization: ${good}` })],
    ["headers null and the credentials only in multiValueHeaders", withEvent({ headers: null, multiValueHeaders: { Authorization: [good] } })],
    ["the Authorization header as an array", withEvent({ headers: { Authorization: [good] } })],
    ["the Authorization header as a number", withEvent({ headers: { Authorization: 42 } })],
    ["the Authorization header as an object", withEvent({ headers: { Authorization: { toString: () => good } } })],
    ["a JSON __proto__ header", withEvent({ headers: JSON.parse(`{"__proto__": {"Authorization": "${good}"}}`) })],
    ["an empty methodArn", withEvent({ methodArn: "" })],
    ["a methodArn of another service", withEvent({ methodArn: "arn:aws:lambda:eu-west-1:123456789012:function:f" })],
    ["a methodArn that is a wildcard", withEvent({ methodArn: "*" })],
    ["a methodArn as an array", withEvent({ methodArn: [METHOD_ARN] })],
  ];

  it(`denies authorize(null) and ${malformedEvents.length + hostile.length} other hostile events (malformed events and headers; at least 40)`, async () => {
    expect(malformedEvents.length + hostile.length).toBeGreaterThanOrEqual(40);
    const result = await authorize(null as any, deps().deps);
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: "Deny", Resource: "*" });
  });

  it.each(malformedEvents)("denies a malformed event (%s) instead of throwing", async (_label, event) => {
    const result = await authorize(event as any, deps().deps);
    expect(result.policyDocument.Statement[0].Effect).toBe("Deny");
    expect(result.principalId).toBe("anonymous");
  });

  it("accepts the previous credentials while they are accepted, with a warning and a metric, and the current ones as usual", async () => {
    const t = deps({ current: { username: "partner", password: "new-Pa55word" }, previous: SECRET });
    expect(effectOf(await authorize(authorizerEvent({ Authorization: basic("partner", "s3cr3t-Pa55word") }), t.deps))).toBe("Allow");
    expect(effectOf(await authorize(authorizerEvent({ Authorization: basic("partner", "new-Pa55word") }), t.deps))).toBe("Allow");
    expect(effectOf(await authorize(authorizerEvent({ Authorization: basic("partner", "older-Pa55word") }), t.deps))).toBe("Deny");
    expect(t.metrics).toEqual(["PreviousCredentialsUsed"]);
    expect(t.logger.lines.map((l: any) => l.message)).toEqual(["allowed with the previous credentials", "allowed", "denied"]);
    // Without a previous version, the old password is just wrong.
    expect(effectOf(await authorize(authorizerEvent({ Authorization: basic("partner", "s3cr3t-Pa55word") }), deps({ current: { username: "partner", password: "new-Pa55word" } }).deps))).toBe("Deny");
  });

  it("compares both versions every time, so timing does not tell which one matched", () => {
    const spy = jest.spyOn(require("crypto"), "timingSafeEqual");
    const accepted = { current: SECRET, previous: { username: "partner", password: "old" } };
    for (const password of ["s3cr3t-Pa55word", "old", "neither"]) {
      spy.mockClear();
      matchingVersion({ username: "partner", password }, accepted);
      expect(spy).toHaveBeenCalledTimes(4);
    }
    expect(["s3cr3t-Pa55word", "old", "neither"].map((password) => matchingVersion({ username: "partner", password }, accepted))).toEqual(["current", "previous", undefined]);
    spy.mockRestore();
  });

  it("denies a request whose method ARN is not an execute-api ARN", async () => {
    const result = await authorize(authorizerEvent({ Authorization: basic("partner", "s3cr3t-Pa55word") }, "not-an-arn"), deps().deps);
    expect(effectOf(result)).toBe("Deny");
  });

  it("never logs the header, the password, the secret or the policy", async () => {
    const t = deps();
    const header = basic("partner", "s3cr3t-Pa55word");
    await authorize(authorizerEvent({ Authorization: header }), t.deps);
    await authorize(authorizerEvent({ Authorization: basic("partner", "guess-123") }), t.deps);
    const logged = JSON.stringify(t.logger.lines);
    for (const forbidden of [header, header.slice(6), "s3cr3t-Pa55word", "guess-123", "execute-api:Invoke", "policyDocument"]) {
      expect(logged).not.toContain(forbidden);
    }
    expect(t.logger.lines.map((l: any) => l.message)).toEqual(["allowed", "denied"]);
  });
});

describe("readAcceptedCredentials", () => {
  const HOUR = 3_600_000;
  const NOW = Date.parse("2026-11-23T12:00:00Z");
  const version = (value: unknown, ageMs?: number): SecretVersion => ({
    SecretString: typeof value === "string" ? value : JSON.stringify(value),
    CreatedDate: ageMs === undefined ? undefined : new Date(NOW - ageMs),
  });
  function reader(current: SecretVersion | undefined, previous?: SecretVersion) {
    const stages: string[] = [];
    return { stages, read: async (stage: "AWSCURRENT" | "AWSPREVIOUS") => (stages.push(stage), stage === "AWSCURRENT" ? current : previous) };
  }

  it("adds the previous value while the current one is younger than the grace period", async () => {
    const r = reader(version({ username: "u", password: "new" }, HOUR), version({ username: "u", password: "old" }, 40 * HOUR));
    expect(await readAcceptedCredentials(r.read, 24 * HOUR, NOW)).toEqual({ current: { username: "u", password: "new" }, previous: { username: "u", password: "old" } });
  });

  it("reads no previous value outside the grace period, when the current one's age is unknown, or with no grace period", async () => {
    for (const [age, grace] of [[24 * HOUR, 24 * HOUR], [undefined, 24 * HOUR], [HOUR, 0]] as const) {
      const r = reader(version({ username: "u", password: "new" }, age), version({ username: "u", password: "old" }));
      expect(await readAcceptedCredentials(r.read, grace, NOW)).toEqual({ current: { username: "u", password: "new" } });
      expect(r.stages).toEqual(["AWSCURRENT"]);
    }
  });

  it("accepts the current value alone when the previous one cannot be read (throttled, KMS)", async () => {
    const read = async (stage: "AWSCURRENT" | "AWSPREVIOUS") => {
      if (stage === "AWSPREVIOUS") throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      return version({ username: "u", password: "new" }, HOUR);
    };
    expect(await readAcceptedCredentials(read, 24 * HOUR, NOW)).toEqual({ current: { username: "u", password: "new" } });
  });

  it("accepts no previous value when there is none, or when it is malformed (it could only widen access)", async () => {
    for (const previous of [undefined, version("not json"), version({ username: "u" })]) {
      const r = reader(version({ username: "u", password: "new" }, HOUR), previous);
      expect(await readAcceptedCredentials(r.read, 24 * HOUR, NOW)).toEqual({ current: { username: "u", password: "new" } });
    }
  });

  it.each([
    ["not JSON", "plain string"],
    ["missing the password", { username: "partner" }],
    ["with an empty user", { username: "", password: "x" }],
    ["null", null],
  ])("refuses a current value %s", async (_label, value) => {
    await expect(readAcceptedCredentials(reader(version(value, HOUR)).read, 24 * HOUR, NOW)).rejects.toThrow(/username and password/);
  });

  it("refuses a secret with no current version", async () => {
    await expect(readAcceptedCredentials(reader(undefined).read, 24 * HOUR, NOW)).rejects.toThrow(/no AWSCURRENT/);
  });
});

describe("cached", () => {
  function clock() {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  }

  it("reads again for a caller that asks for a value fresher than the one it holds", async () => {
    const c = clock();
    let calls = 0;
    const get = cached(async () => ++calls, { maxAgeMs: 300_000, failureMs: 100, now: c.now });
    expect(await get()).toBe(1);
    c.advance(999);
    expect(await get({ fresherThanMs: 1000 })).toBe(1); // read 999 ms ago: fresh enough
    c.advance(1);
    expect(await get({ fresherThanMs: 1000 })).toBe(2);
    expect(await get()).toBe(2); // and every caller has the new value
  });

  it("shares one in-flight fetch among concurrent callers and keeps the value for maxAge", async () => {
    const c = clock();
    let calls = 0;
    const get = cached(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return calls;
    }, { maxAgeMs: 1000, failureMs: 100, now: c.now });
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
    c.advance(999);
    expect(await get()).toBe(1);
    c.advance(1);
    expect(await get()).toBe(2);
  });

  it("remembers a failure for failureMs (no read per request during an outage), then reads again", async () => {
    const c = clock();
    let calls = 0;
    const get = cached(async () => {
      if (++calls === 1) throw new Error("outage");
      return "ok";
    }, { maxAgeMs: 1000, failureMs: 100, now: c.now });
    await expect(Promise.all([get(), get()])).rejects.toThrow("outage");
    c.advance(99);
    await expect(get()).rejects.toThrow("outage");
    expect(calls).toBe(1);
    c.advance(1);
    await expect(get()).resolves.toBe("ok");
    expect(calls).toBe(2);
  });
});

describe("basic-auth helpers", () => {
  it("parses user and password, splitting at the first colon (passwords may contain colons)", () => {
    expect(parseBasicAuth(basic("partner", "a:b:c"))).toEqual({ ok: true, credentials: { username: "partner", password: "a:b:c" } });
    expect(parseBasicAuth(`bAsIc   ${Buffer.from("u:p").toString("base64")}`)).toEqual({ ok: true, credentials: { username: "u", password: "p" } });
    expect(parseBasicAuth(basic("ünïcødé", "pässwörd"))).toEqual({ ok: true, credentials: { username: "ünïcødé", password: "pässwörd" } });
  });

  it("compares in constant time over equal-length digests, whatever the input lengths", () => {
    const crypto = require("crypto");
    const spy = jest.spyOn(crypto, "timingSafeEqual");
    try {
      expect(credentialsMatch({ username: "a", password: "b".repeat(5000) }, SECRET)).toBe(false);
      expect(spy).toHaveBeenCalledTimes(2); // the user and the password are both compared, always
      for (const [x, y] of spy.mock.calls as [Buffer, Buffer][]) expect([x.length, y.length]).toEqual([32, 32]);
    } finally {
      spy.mockRestore();
    }
    expect(credentialsMatch(SECRET, { ...SECRET })).toBe(true);
  });

  it("scopes an Allow to the API stage", () => {
    expect(apiStageResource(METHOD_ARN)).toBe(STAGE_RESOURCE);
    expect(apiStageResource("arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a1/dev/GET/")).toBe(
      "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a1/dev/*/*",
    );
    expect(apiStageResource("arn:aws:lambda:eu-west-1:123456789012:function:x")).toBeUndefined();
  });

  it("validates the secret's shape", () => {
    expect(parseSecret({ username: "u", password: "p", extra: 1 })).toEqual({ username: "u", password: "p" });
    expect(() => parseSecret({ username: 1, password: "p" })).toThrow("secret is not a JSON object");
  });
});
