import { Lazy, TerraformResource } from "cdktf";
import { PolicyStatement, renderPolicyDocument } from "./policy-statement";

/**
 * The inline identity policy of one principal. The Terraform resource is created on the first
 * statement (an empty policy is invalid) and its document is rendered at synth, so grants made
 * after construction still land in it.
 */
export class PrincipalPolicy {
  private readonly statements: PolicyStatement[] = [];
  private created?: TerraformResource;

  constructor(private readonly createResource: (policyJson: string) => TerraformResource) {}

  add(statement: PolicyStatement): void {
    // A repeated statement adds nothing: renderPolicyDocument merges statements with the same scope.
    this.statements.push(statement);
    if (!this.created) {
      this.created = this.createResource(
        Lazy.stringValue({ produce: (context) => renderPolicyDocument(this.statements, context) }),
      );
    }
  }

  /** The policy resource, once the first statement has created it. */
  get resource(): TerraformResource | undefined {
    return this.created;
  }
}
