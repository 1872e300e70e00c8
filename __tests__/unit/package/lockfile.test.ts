import * as fs from "fs";
import * as path from "path";

/**
 * A registry mirror that lacks some platform binaries makes `npm install` write a lockfile with
 * only the binaries it could fetch; `npm ci` then refuses it ("Missing: … from lock file") on
 * every machine. Versions are pinned (and overridden) so that each optional binary is present.
 */
describe("package-lock.json", () => {
  const lock = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package-lock.json"), "utf8"));
  const packages: Record<string, { optionalDependencies?: Record<string, string> }> = lock.packages;

  it("lists every optional platform package of every dependency, so npm ci accepts it", () => {
    const missing: string[] = [];
    for (const [location, meta] of Object.entries(packages)) {
      for (const dep of Object.keys(meta.optionalDependencies ?? {})) {
        // npm resolves a dependency in the nearest node_modules up the tree.
        const candidates: string[] = [];
        let dir = location;
        while (true) {
          candidates.push(`${dir ? `${dir}/` : ""}node_modules/${dep}`);
          const cut = dir.lastIndexOf("/node_modules/");
          if (dir === "") break;
          dir = cut === -1 ? "" : dir.slice(0, cut);
        }
        if (!candidates.some((c) => c in packages)) missing.push(`${dep} (for ${location || "root"})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
