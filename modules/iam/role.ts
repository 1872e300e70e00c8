import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Conditions, IGrantable, PolicyStatement } from "./policy-statement";
import { PrincipalBase } from "./principal-base";
import { Duration } from "../core/duration";
import { uniqueName } from "../core/naming";
import { nameOfImportedArn } from "../core/arn";
import { synthesized } from "../core/synthesized";
import { isUnresolved, validateDuration, validatePattern, ValidationError } from "../core/validation";

/** IAM's rule for role and user names. */
export const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
export const IAM_NAME_RULE = "1–64 characters of letters, digits and +=,.@_- (IAM name rules)";

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
  /** Physical role name, 1–64 characters of `[\w+=,.@-]`. @default a deterministic name derived from the construct path */
  readonly roleName?: string;
  /** @default none */
  readonly description?: string;
  /** Maximum session length, 1–12 hours in whole seconds. @default 1 hour */
  readonly maxSessionDuration?: Duration;
}

/** A role, created here (`Role`) or existing (`Role.fromRoleArn`). */
export interface IRole extends IGrantable {
  readonly roleArn: string;
  readonly roleName: string;
}

export interface FromRoleArnOptions {
  /**
   * Whether grants may add an inline policy (`aws_iam_role_policy`) to the existing role. With
   * false, a grant fails at synth, naming the role and the statement: the role's permissions
   * are managed elsewhere, so the missing permission must be added there. (AWS CDK drops such
   * grants silently instead.) @default true
   */
  readonly mutable?: boolean;
}

/** Trust-policy helpers. */
export const Trust = {
  /** An AWS service, optionally limited to calls on behalf of one account (confused-deputy protection). */
  service(service: string, conditions?: Conditions): RoleTrust {
    return { principals: { Service: [service] }, conditions };
  },
  /**
   * Another AWS account (its administrators decide who there may assume the role), in
   * `partition` (give the stack's, `AwsEnvironment.of(scope).partition`, outside `aws`).
   */
  account(accountId: string, conditions?: Conditions, partition = "aws"): RoleTrust {
    return { principals: { AWS: [`arn:${partition}:iam::${accountId}:root`] }, conditions };
  },
};

/** `arn:<partition>:iam::<account>:role/<optional path/>name`. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** An existing role: grants land in an inline policy of its own, created in the importing scope. */
class ImportedRole extends PrincipalBase implements IRole {
  readonly roleArn: string;
  readonly roleName: string;
  private readonly mutable: boolean;

  constructor(scope: Construct, id: string, roleArn: string, options: FromRoleArnOptions) {
    super(scope, id);
    this.roleName = nameOfImportedArn(this, {
      arnProp: "roleArn",
      arn: roleArn,
      pattern: ROLE_ARN,
      description: "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
      nameProp: "roleName",
      // A reference's name is its last segment too, taken by Terraform (a path may come before it).
      name: isUnresolved(roleArn) ? Token.asString(Fn.element(Fn.reverse(Fn.split("/", roleArn)), 0)) : undefined,
    });
    this.roleArn = roleArn;
    this.mutable = options.mutable ?? true;
    // Named after this construct, so it cannot collide with the role's other inline policies.
    this.attachPolicy(roleArn, (policy) => new IamRolePolicy(this, "Policy", { name: uniqueName(this, 128), role: this.roleName, policy }));
  }

  addToPrincipalPolicy(statement: PolicyStatement): void {
    if (!this.mutable) {
      // References named by their Terraform expressions, `${aws_kinesis_stream.X.arn}`, not as tokens.
      const [resources, roleArn] = synthesized(this, [statement.resources.join(", "), this.roleArn]);
      throw new ValidationError(
        this,
        `cannot grant ${statement.actions.join(", ")} on ${resources}: role ${roleArn} was imported with mutable: false (its permissions are managed elsewhere)`,
      );
    }
    super.addToPrincipalPolicy(statement);
  }
}

/** An IAM role whose permissions are one inline policy, built from the grants made to it. */
export class Role extends PrincipalBase implements IRole {
  /**
   * A role that exists already, by ARN (a literal, validated at synth, or a reference). Its
   * name is parsed from the ARN. Grants add one inline policy to it, created in `scope`, unless
   * `mutable` is false.
   */
  static fromRoleArn(scope: Construct, id: string, roleArn: string, options: FromRoleArnOptions = {}): IRole {
    return new ImportedRole(scope, id, roleArn, options);
  }

  readonly resource: IamRole;
  readonly roleArn: string;
  readonly roleName: string;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    validatePattern(this, "roleName", props.roleName, IAM_NAME, IAM_NAME_RULE);
    const maxSessionSeconds = validateDuration(this, "maxSessionDuration", props.maxSessionDuration, "seconds", { min: 3600, max: 43200 });
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
      maxSessionDuration: maxSessionSeconds,
    });
    this.roleArn = this.resource.arn;
    this.roleName = this.resource.name;
    this.attachPolicy(this.roleArn, (policy) => new IamRolePolicy(this, "Policy", { name: "least-privilege", role: this.resource.id, policy }));
  }
}
