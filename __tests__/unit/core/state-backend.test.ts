import { stackBackend, stateLocation, StateBackendConfig } from "../../../modules";
import { newStack, synth } from "../../helpers/synth";

/** The library's backend helper: the defaults a library user gets without the app's configuration. */
function backendOf(config: StateBackendConfig, id = "orders-dev") {
  const { stack } = newStack(id);
  stackBackend(stack, config);
  return { terraform: synth(stack).terraform, stack };
}

describe("stackBackend", () => {
  it("keeps local state outside cdktf.out by default: ../../.. from the stack's folder, named after the stack", () => {
    expect(backendOf({ kind: "local" }).terraform.backend).toEqual({ local: { path: "../../../terraform.orders-dev.tfstate" } });
    expect(backendOf({ kind: "local", directory: "/var/state/" }).terraform.backend).toEqual({ local: { path: "/var/state/terraform.orders-dev.tfstate" } });
  });

  it("gives each stack its own S3 key by default, encrypted, with S3-native locking", () => {
    expect(backendOf({ kind: "s3", bucket: "b", region: "eu-west-1" }).terraform.backend).toEqual({
      s3: { bucket: "b", key: "orders-dev/terraform.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true },
    });
    expect(backendOf({ kind: "s3", bucket: "b", key: "team/{stack}.tfstate", region: "eu-west-1" }).terraform.backend.s3.key).toBe("team/orders-dev.tfstate");
  });

  it("adds a DynamoDB lock table only when asked, keeps the lock file on, and warns that the table is deprecated", () => {
    const { terraform, stack } = backendOf({ kind: "s3", bucket: "b", region: "eu-west-1", lockTable: "locks" });
    expect(terraform.backend.s3).toMatchObject({ dynamodb_table: "locks", use_lockfile: true });
    const warnings = stack.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data);
    expect(warnings).toEqual([expect.stringContaining("DynamoDB table locks is deprecated by Terraform 1.11")]);
    expect(backendOf({ kind: "s3", bucket: "b", region: "eu-west-1" }).terraform.backend.s3.dynamodb_table).toBeUndefined();
  });

  it("names one Terraform Cloud workspace per stack ({stack} expanded), or selects by tags", () => {
    expect(backendOf({ kind: "cloud", organization: "acme", workspace: "ingest-{stack}" }).terraform.cloud).toEqual({
      organization: "acme",
      workspaces: { name: "ingest-orders-dev" },
    });
    expect(backendOf({ kind: "cloud", organization: "acme", workspaceTags: ["ingest", "dev"], project: "data" }).terraform.cloud.workspaces).toEqual({
      tags: ["ingest", "dev"],
      project: "data",
    });
  });

  it.each([
    ["both", { workspace: "w", workspaceTags: ["t"] }],
    ["neither", {}],
  ])("refuses a cloud backend with %s of workspace and workspaceTags, naming the stack", (word, props) => {
    expect(() => backendOf({ kind: "cloud", organization: "acme", ...props })).toThrow(
      `orders-dev: a cloud backend needs exactly one of workspace and workspaceTags; got ${word}`,
    );
  });
});

describe("stateLocation", () => {
  it("tells two stacks' locations apart exactly when Terraform would", () => {
    expect(stateLocation("a", { kind: "local" })).toBe("local:terraform.a.tfstate");
    expect(stateLocation("a", { kind: "local", directory: "/s" })).toBe("local:/s/terraform.a.tfstate");
    const shared: StateBackendConfig = { kind: "s3", bucket: "b", key: "k.tfstate", region: "r" };
    expect(stateLocation("a", shared)).toBe(stateLocation("b", shared));
    const perStack: StateBackendConfig = { kind: "s3", bucket: "b", region: "r" };
    expect(stateLocation("a", perStack)).not.toBe(stateLocation("b", perStack));
  });
});

