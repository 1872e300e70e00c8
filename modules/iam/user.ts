import { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { IamUser } from "@cdktf/provider-aws/lib/iam-user";
import { IamUserPolicy } from "@cdktf/provider-aws/lib/iam-user-policy";
import { IGrantable, IPrincipal, PolicyStatement, PrincipalPolicy } from "./policy-statement";
import { uniqueName } from "../core/naming";

export interface UserProps {
  /** Physical user name. @default a deterministic name derived from the construct path */
  readonly userName?: string;
  /** IAM path, to group machine users. @default "/" */
  readonly path?: string;
}

/** An IAM user whose permissions are one inline policy, built from the grants made to it. */
export class User extends Construct implements IGrantable, IPrincipal {
  readonly resource: IamUser;
  readonly userName: string;
  readonly userArn: string;
  readonly grantPrincipal: IPrincipal = this;
  private readonly policy: PrincipalPolicy;

  constructor(scope: Construct, id: string, props: UserProps = {}) {
    super(scope, id);
    this.resource = new IamUser(this, "Resource", {
      name: props.userName ?? uniqueName(this, 64, /[^A-Za-z0-9_+=,.@-]/g),
      path: props.path,
    });
    this.userName = this.resource.name;
    this.userArn = this.resource.arn;
    this.policy = new PrincipalPolicy(
      (policy) => new IamUserPolicy(this, "Policy", { name: "least-privilege", user: this.resource.name, policy }),
    );
  }

  addToPrincipalPolicy(statement: PolicyStatement): void {
    this.policy.add(statement);
  }

  get policyDependables(): TerraformResource[] {
    return this.policy.dependables;
  }
}
