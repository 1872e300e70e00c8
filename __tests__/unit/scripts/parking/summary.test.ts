import { Summary } from "../../../../scripts/parking/summary";

describe("the summary", () => {
  it("counts per source and outcome, and names how many entries were not handled", () => {
    const summary = new Summary("replay-parked", ["kept"]);
    expect(summary.toString()).toBe("replay-parked summary\n  nothing found\n  all handled");
    summary.add("parking queue", "replayed", 3);
    summary.add("parking queue", "kept");
    summary.add("failure bucket", "kept", 2);
    expect(summary.problems).toBe(3);
    expect(summary.toString()).toBe("replay-parked summary\n  parking queue: replayed 3, kept 1\n  failure bucket: kept 2\n  NOT HANDLED: 3 (kept in place; see the lines above)");
  });
});
