import { createHash } from "crypto";
import { Construct } from "constructs";

/**
 * A deterministic physical name for a resource the user did not name: the construct path
 * below the app (stack first), plus an 8-character hash of the full path so two constructs
 * whose truncated paths collide still get distinct names. Same input, same name, on any machine.
 */
export function uniqueName(scope: Construct, maxLength: number, invalidChars: RegExp = /[^A-Za-z0-9_.-]/g): string {
  const path = scope.node.scopes
    .map((s) => s.node.id)
    .filter((id) => id !== "" && id !== "Default" && id !== "Resource");
  const hash = createHash("sha256").update(scope.node.path).digest("hex").slice(0, 8);
  const base = path.join("-").replace(invalidChars, "");
  const room = maxLength - hash.length - 1;
  return `${base.length > room ? base.slice(0, room) : base}-${hash}`;
}
