import { Construct } from "constructs";
import { IamUser } from "@cdktf/provider-aws/lib/iam-user";
import { IamUserPolicy } from "@cdktf/provider-aws/lib/iam-user-policy";
import { PrincipalBase } from "./principal-base";
import { uniqueName } from "../core/naming";
import { validatePattern } from "../core/validation";
import { IAM_NAME, IAM_NAME_RULE } from "./role";

export interface UserProps {
  /** Physical user name, 1–64 characters of `[\w+=,.@-]`. @default a deterministic name derived from the construct path */
  readonly userName?: string;
  /** IAM path, to group machine users. @default "/" */
  readonly path?: string;
}

/** An IAM user whose permissions are one inline policy, built from the grants made to it. */
export class User extends PrincipalBase {
  readonly resource: IamUser;
  readonly userName: string;
  readonly userArn: string;

  constructor(scope: Construct, id: string, props: UserProps = {}) {
    super(scope, id);
    validatePattern(this, "userName", props.userName, IAM_NAME, IAM_NAME_RULE);
    this.resource = new IamUser(this, "Resource", {
      name: props.userName ?? uniqueName(this, 64, /[^A-Za-z0-9_+=,.@-]/g),
      path: props.path,
    });
    this.userName = this.resource.name;
    this.userArn = this.resource.arn;
    this.attachPolicy(this.userArn, (policy) => new IamUserPolicy(this, "Policy", { name: "least-privilege", user: this.resource.name, policy }));
  }
}
