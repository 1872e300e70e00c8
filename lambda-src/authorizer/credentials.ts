import { Credentials, parseSecret } from "./basic-auth";

/**
 * The credentials a request may present: the secret's current value and, for a grace period
 * after a change, its previous one. A partner switches to the new password when it likes
 * within that period, and containers that still hold the old value keep accepting producers
 * that already moved: a rotation is no cutover.
 */
export interface AcceptedCredentials {
  readonly current: Credentials;
  /** Present only while the current value is younger than the grace period. */
  readonly previous?: Credentials;
}

/** One version of the secret, as Secrets Manager's GetSecretValue answers. */
export interface SecretVersion {
  readonly SecretString?: string;
  readonly CreatedDate?: Date;
}

/** Reads a staged version of the secret; resolves undefined when no version has that stage. */
export type ReadVersion = (stage: "AWSCURRENT" | "AWSPREVIOUS") => Promise<SecretVersion | undefined>;

/**
 * The accepted credentials. AWSPREVIOUS is read only while AWSCURRENT is younger than
 * `graceMs`, so outside a rotation it costs nothing; an AWSCURRENT of unknown age is treated
 * as old (no previous value). A missing or malformed AWSCURRENT throws; a previous value that
 * cannot be read or parsed is left out (it only ever widens access: failing on it would shut
 * out producers the current value admits).
 */
export async function readAcceptedCredentials(read: ReadVersion, graceMs: number, now: number): Promise<AcceptedCredentials> {
  const current = await read("AWSCURRENT");
  if (!current) throw Object.assign(new Error("the secret has no AWSCURRENT version"), { name: "ResourceNotFoundException" });
  const accepted = { current: parseSecret(parseJson(current.SecretString)) };
  const since = current.CreatedDate?.getTime();
  if (graceMs <= 0 || since === undefined || now - since >= graceMs) return accepted;
  try {
    const previous = await read("AWSPREVIOUS");
    return previous ? { ...accepted, previous: parseSecret(parseJson(previous.SecretString)) } : accepted;
  } catch {
    // Unreadable (throttled, KMS, timeout) or malformed: the current value still opens the API.
    return accepted;
  }
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "");
  } catch {
    return undefined; // parseSecret names the problem
  }
}

export interface CacheOptions {
  /** How long a value read is used before it is read again. */
  readonly maxAgeMs: number;
  /** How long a failed read is remembered: callers get the same error without a new read. */
  readonly failureMs: number;
  readonly now?: () => number;
}

/** A cached read; `fresherThanMs` asks for a value read at most that long ago (else it reads again). */
export type CachedRead<T> = (options?: { readonly fresherThanMs?: number }) => Promise<T>;

/**
 * Caches what `fetch` resolves for `maxAgeMs`, and what it rejects with for `failureMs`.
 * Concurrent callers share one fetch in flight (a burst of requests is one read), and during
 * an outage a container reads at most once per `failureMs` instead of once per request.
 */
export function cached<T>(fetch: () => Promise<T>, options: CacheOptions): CachedRead<T> {
  const now = options.now ?? Date.now;
  let entry: { settled: Promise<T>; until: number; readAt: number } | undefined;
  let inFlight: Promise<T> | undefined;
  return (read = {}) => {
    const fresh = (e: { readAt: number }) => read.fresherThanMs === undefined || now() - e.readAt < read.fresherThanMs;
    if (entry && now() < entry.until && fresh(entry)) return entry.settled;
    inFlight ??= fetch().then(
      (value) => {
        entry = { settled: Promise.resolve(value), until: now() + options.maxAgeMs, readAt: now() };
        return value;
      },
      (error) => {
        const settled = Promise.reject(error);
        settled.catch(() => undefined); // held for later callers; not an unhandled rejection
        entry = { settled, until: now() + options.failureMs, readAt: now() };
        throw error;
      },
    );
    const pending = inFlight;
    void pending.then(
      () => (inFlight = undefined),
      () => (inFlight = undefined),
    );
    return pending;
  };
}
