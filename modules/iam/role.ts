import { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Conditions, IGrantable, IPrincipal, PolicyStatement, PrincipalPolicy } from "./policy-statement";
import { uniqueName } from "../core/naming";
import { validateRange } from "../core/validation";

/** Who may assume a role: one trust statement. */
export interface RoleTrust {
  /** `{ Service: [...] }` or `{ AWS: [...] }`. */
  readonly principals: { Service?: string[]; AWS?: string[] };
  /** @default none */
  readonly conditions?: Conditions;
}

export interface RoleProps {
  /** Who may assume the role. */
  readonly assumedBy: RoleTrust;
  /** Physical role name. @default a deterministic name derived from the construct path */
  readonly roleName?: string;
  /** @default none */
  readonly description?: string;
  /** Maximum session length in seconds, 3600–43200. @default 3600 */
  readonly maxSessionDurationSeconds?: number;
}

/** Trust-policy helpers. */
export const Trust = {
  /** An AWS service, optionally limited to calls on behalf of one account (confused-deputy protection). */
  service(service: string, conditions?: Conditions): RoleTrust {
    return { principals: { Service: [service] }, conditions };
  },
  /** Another AWS account (its administrators decide who there may assume the role). */
  account(accountId: string, conditions?: Conditions): RoleTrust {
    return { principals: { AWS: [`arn:aws:iam::${accountId}:root`] }, conditions };
  },
};

/** An IAM role whose permissions are one inline policy, built from the grants made to it. */
export class Role extends Construct implements IGrantable, IPrincipal {
  readonly resource: IamRole;
  readonly roleArn: string;
  readonly roleName: string;
  readonly grantPrincipal: IPrincipal = this;
  private readonly policy: PrincipalPolicy;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    validateRange(this, "maxSessionDurationSeconds", props.maxSessionDurationSeconds, {
      min: 3600,
      max: 43200,
      unit: "seconds",
    });
    const trust = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: props.assumedBy.principals,
          Action: "sts:AssumeRole",
          ...(props.assumedBy.conditions ? { Condition: props.assumedBy.conditions } : {}),
        },
      ],
    };
    this.resource = new IamRole(this, "Resource", {
      name: props.roleName ?? uniqueName(this, 64),
      description: props.description,
      assumeRolePolicy: JSON.stringify(trust),
      maxSessionDuration: props.maxSessionDurationSeconds,
    });
    this.roleArn = this.resource.arn;
    this.roleName = this.resource.name;
    this.policy = new PrincipalPolicy(
      (policy) => new IamRolePolicy(this, "Policy", { name: "least-privilege", role: this.resource.id, policy }),
    );
  }

  addToPrincipalPolicy(statement: PolicyStatement): void {
    this.policy.add(statement);
  }

  get policyDependables(): TerraformResource[] {
    return this.policy.dependables;
  }
}
