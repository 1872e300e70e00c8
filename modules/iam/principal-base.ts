import { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { IGrantable, IPrincipal, PolicyStatement } from "./policy-statement";
import { PrincipalPolicy } from "./principal-policy";
import { PolicyDependencyAspect } from "./policy-dependency-aspect";

/**
 * What roles and users (created or imported) share: the grants made to the principal collect in
 * one inline policy, and every resource that names the principal waits for that policy
 * (`PolicyDependencyAspect`, derived at synth, so grants made at any time are covered).
 */
export abstract class PrincipalBase extends Construct implements IGrantable, IPrincipal {
  readonly grantPrincipal: IPrincipal = this;
  private policy?: PrincipalPolicy;

  /**
   * Where the principal's grants go: the subclass's constructor calls this once, when its ARN
   * is known. `createPolicy` makes the inline policy resource on the first grant.
   */
  protected attachPolicy(principalArn: string, createPolicy: (document: string) => TerraformResource): void {
    const policy = new PrincipalPolicy(createPolicy);
    this.policy = policy;
    PolicyDependencyAspect.register(this, { identity: () => principalArn, policies: () => (policy.resource ? [policy.resource] : []) });
  }

  addToPrincipalPolicy(statement: PolicyStatement): void {
    if (!this.policy) throw new Error(`${this.node.path}: a grant was made before the principal's constructor attached its policy`);
    this.policy.add(statement);
  }

  /** The inline policy resource, once a grant has created it: an escape hatch, like `resource`. */
  get policyResource(): TerraformResource | undefined {
    return this.policy?.resource;
  }
}
