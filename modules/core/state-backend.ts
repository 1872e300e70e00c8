import * as path from "path";
import { Annotations, CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TaggedCloudWorkspaces, TerraformStack } from "cdktf";
import { ValidationError } from "./validation-error";

/**
 * Where a stack keeps its Terraform state, with the defaults a team needs: a local state file
 * outside the folder synth rewrites, one S3 key per stack with S3-native locking, one Terraform
 * Cloud workspace per stack. `stackBackend(stack, config)` adds the backend to a stack;
 * `stateLocation` names the place, so an app can refuse two stacks that would share one.
 */

/** The placeholder a state key or workspace name may hold; it becomes the stack's name. */
export const STACK_PLACEHOLDER = "{stack}";

export interface LocalStateConfig {
  readonly kind: "local";
  /**
   * Directory of the state file `terraform.<stack>.tfstate`. A relative path is relative to the
   * stack's folder (`cdktf.out/stacks/<stack>`), where Terraform runs.
   * @default "../../.." (the folder that holds cdktf.out: the project root)
   */
  readonly directory?: string;
}

export interface S3StateConfig {
  readonly kind: "s3";
  /** The state bucket. */
  readonly bucket: string;
  /** Object key; `{stack}` becomes the stack's name. @default "{stack}/terraform.tfstate" */
  readonly key?: string;
  /** Region of the bucket: one value for every stack that shares it, not each stack's own region. */
  readonly region: string;
  /** A DynamoDB lock table, for a migration from it (deprecated by Terraform 1.11). @default none: S3's lock file only */
  readonly lockTable?: string;
}

export interface CloudStateConfig {
  readonly kind: "cloud";
  /** HCP Terraform / Terraform Enterprise organization. */
  readonly organization: string;
  /** Workspace name; `{stack}` becomes the stack's name. Exactly one of `workspace` and `workspaceTags`. @default none */
  readonly workspace?: string;
  /** Tags selecting the stack's workspaces (`terraform workspace select` or TF_WORKSPACE picks one). @default none */
  readonly workspaceTags?: string[];
  /** HCP Terraform project of the workspace(s). @default the organization's default project */
  readonly project?: string;
  /** Terraform Enterprise host. @default app.terraform.io */
  readonly hostname?: string;
}

export type StateBackendConfig = LocalStateConfig | S3StateConfig | CloudStateConfig;

/** The default directory of local state: the stack folder's grandparent's parent, the project root. */
export const DEFAULT_LOCAL_STATE_DIRECTORY = "../../..";
/** The default S3 key: one per stack. */
export const DEFAULT_STATE_KEY = `${STACK_PLACEHOLDER}/terraform.tfstate`;

const expand = (template: string, stackName: string) => template.split(STACK_PLACEHOLDER).join(stackName);

/** The local state file of a stack: `<directory>/terraform.<stack>.tfstate`. */
export function localStatePath(stackName: string, directory: string = DEFAULT_LOCAL_STATE_DIRECTORY): string {
  return `${directory.replace(/\/+$/, "")}/terraform.${stackName}.tfstate`;
}

/**
 * Where a stack's state lives, as one string (`local:<path>`, `s3://<bucket>/<key>`,
 * `cloud:<host>/<org>/<project>/<workspace or tags>`). Two stacks with the same location would
 * overwrite each other's state. A relative local path is shown from the project root, resolved
 * from the stack's folder as Terraform does (`local:terraform.dev.tfstate`).
 */
export function stateLocation(stackName: string, config: StateBackendConfig): string {
  switch (config.kind) {
    case "local": {
      const file = localStatePath(stackName, config.directory);
      return `local:${path.posix.isAbsolute(file) ? file : path.posix.normalize(path.posix.join("cdktf.out/stacks", stackName, file))}`;
    }
    case "s3":
      return `s3://${config.bucket}/${expand(config.key ?? DEFAULT_STATE_KEY, stackName)}`;
    case "cloud": {
      const host = config.hostname ?? "app.terraform.io";
      const workspace = config.workspace !== undefined ? expand(config.workspace, stackName) : `tags=${[...(config.workspaceTags ?? [])].sort().join(",")}`;
      return `cloud:${host}/${config.organization}/${config.project ?? ""}/${workspace}`;
    }
  }
}

/** Adds the state backend to a stack (see `StateBackendConfig` for the defaults). */
export function stackBackend(stack: TerraformStack, config: StateBackendConfig): LocalBackend | S3Backend | CloudBackend {
  const stackName = stack.node.id;
  switch (config.kind) {
    case "local":
      return new LocalBackend(stack, { path: localStatePath(stackName, config.directory) });
    case "s3": {
      const s3 = new S3Backend(stack, {
        bucket: config.bucket,
        key: expand(config.key ?? DEFAULT_STATE_KEY, stackName),
        region: config.region,
        encrypt: true,
        dynamodbTable: config.lockTable,
      });
      // S3-native locking (Terraform >= 1.10). cdktf 0.21's S3BackendConfig predates the option,
      // hence the override. With a lock table both locks are taken, Terraform's migration path.
      s3.addOverride("use_lockfile", true);
      if (config.lockTable !== undefined) {
        Annotations.of(stack).addWarning(
          `S3 state locking with the DynamoDB table ${config.lockTable} is deprecated by Terraform 1.11; ` +
            "the S3 lock file (use_lockfile) is on as well: drop the table once every run uses Terraform >= 1.10",
        );
      }
      return s3;
    }
    case "cloud": {
      const byName = config.workspace !== undefined;
      const byTags = config.workspaceTags !== undefined && config.workspaceTags.length > 0;
      if (byName === byTags) {
        throw new ValidationError(stack, `a cloud backend needs exactly one of workspace and workspaceTags; got ${byName ? "both" : "neither"}`);
      }
      return new CloudBackend(stack, {
        organization: config.organization,
        workspaces: byName
          ? new NamedCloudWorkspace(expand(config.workspace!, stackName), config.project)
          : new TaggedCloudWorkspaces([...config.workspaceTags!], config.project),
        hostname: config.hostname,
      });
    }
  }
}
