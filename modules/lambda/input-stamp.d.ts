// Types of input-stamp.js (plain JavaScript, shared with scripts/transpile.js).

/** Writes `stampFile`: the hash of `settings` (JSON-serializable) and the content hash of each input, given relative to `workDir`. */
export function writeInputStamp(stampFile: string, workDir: string, settings: unknown, inputs: readonly string[]): void;

/** True when every output exists and the stamp was written with equal settings, from inputs that are all unchanged. */
export function isStampUpToDate(stampFile: string, workDir: string, settings: unknown, outputs: readonly string[]): boolean;
