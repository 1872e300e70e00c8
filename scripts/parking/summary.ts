import type { DrainOptions } from "./queue";

/** What every after-incident tool is told besides its resources. */
export interface RunOptions extends DrainOptions {
  /** Report what would be done; change nothing. */
  dryRun: boolean;
  /** Receives a line per entry handled, and per batch. */
  progress?: (line: string) => void;
}

/** Entries that arrived while the run went on: left for the next run (not a problem by itself). */
export const ARRIVED_DURING_RUN = "left for the next run (arrived during this one)";

/** Counts per source and outcome, printed at the end of a run. */
export class Summary {
  private readonly counts = new Map<string, Map<string, number>>();

  /**
   * @param problemOutcomes outcomes that mean something could not be handled (the run exits non-zero).
   */
  constructor(
    readonly title: string,
    private readonly problemOutcomes: readonly string[],
  ) {}

  add(source: string, outcome: string, n = 1): void {
    const bySource = this.counts.get(source) ?? new Map<string, number>();
    bySource.set(outcome, (bySource.get(outcome) ?? 0) + n);
    this.counts.set(source, bySource);
  }

  count(source: string, outcome: string): number {
    return this.counts.get(source)?.get(outcome) ?? 0;
  }

  /** How many entries could not be handled, over all sources. */
  get problems(): number {
    let total = 0;
    for (const bySource of this.counts.values()) {
      for (const outcome of this.problemOutcomes) total += bySource.get(outcome) ?? 0;
    }
    return total;
  }

  toString(): string {
    const lines = [`${this.title} summary`];
    if (this.counts.size === 0) lines.push("  nothing found");
    for (const [source, bySource] of this.counts) {
      lines.push(`  ${source}: ${[...bySource].map(([outcome, n]) => `${outcome} ${n}`).join(", ")}`);
    }
    lines.push(this.problems === 0 ? "  all handled" : `  NOT HANDLED: ${this.problems} (kept in place; see the lines above)`);
    return lines.join("\n");
  }
}
