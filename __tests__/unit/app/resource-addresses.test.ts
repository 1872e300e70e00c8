import * as fs from "fs";
import * as path from "path";
import { synthApp } from "../../helpers/app";

/**
 * The Terraform address of every resource, data source and output of the dev and prod stacks,
 * pinned. A changed address makes Terraform destroy and recreate the resource (a user's stream,
 * table or bucket), so moving or renaming code must leave this list as it is; a deliberate
 * change comes with a moved block and an update of the fixture (INGEST_PIN_ADDRESSES=1).
 */
const FIXTURE = path.join(__dirname, "fixtures", "resource-addresses.json");
const CONTEXT = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "cdktf.json"), "utf8")).context;

function addressesOf(json: any): string[] {
  const blocks = (kind: string, body: Record<string, Record<string, unknown>> = {}) =>
    Object.entries(body).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${kind}${type}.${name}`));
  return [
    ...blocks("", json.resource),
    ...blocks("data.", json.data),
    ...blocks("ephemeral.", json.ephemeral),
    ...Object.keys(json.output ?? {}).map((name) => `output.${name}`),
  ].sort();
}

function synthAddresses(): Record<string, string[]> {
  return Object.fromEntries(Object.entries(synthApp({}, CONTEXT)).map(([name, json]) => [name, addressesOf(json)]));
}

describe("resource addresses of the app's stacks", () => {
  it("are exactly the pinned list (a move or rename must not replace a deployed resource)", () => {
    const actual = synthAddresses();
    if (process.env.INGEST_PIN_ADDRESSES === "1") fs.writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 2)}\n`);
    const pinned = JSON.parse(fs.readFileSync(FIXTURE, "utf8"));
    expect(Object.keys(actual).sort()).toEqual(["streaming-ingest-dev", "streaming-ingest-prod"]);
    expect(actual).toEqual(pinned);
  });
});
