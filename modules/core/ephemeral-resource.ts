import { IResolvable, ref, TerraformElement, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";

export interface EphemeralResourceProps {
  /** The provider's ephemeral resource type, e.g. `aws_secretsmanager_random_password`. */
  readonly type: string;
  /** The block's arguments in Terraform's snake_case, as they appear in the JSON. @default {} */
  readonly config?: Record<string, unknown>;
}

/**
 * An `ephemeral` block (Terraform ≥ 1.10): a value opened for the run and never written to state
 * or plan. cdktf 0.21 has no class for ephemeral blocks, so this element writes the JSON itself.
 * Read its attributes with `getStringAttribute`, and pass them only to write-only arguments
 * (`*_wo`), provider configuration or other ephemeral blocks: Terraform rejects them elsewhere.
 */
export class EphemeralResource extends TerraformElement {
  readonly type: string;
  private readonly config: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: EphemeralResourceProps) {
    super(scope, id, "ephemeral");
    this.type = props.type;
    this.config = props.config ?? {};
  }

  /** A reference to one of the block's result attributes, e.g. `random_password`. */
  getStringAttribute(attribute: string): string {
    return Token.asString(this.interpolation(attribute));
  }

  private interpolation(attribute: string): IResolvable {
    return ref(`ephemeral.${this.type}.${this.friendlyUniqueId}.${attribute}`, TerraformStack.of(this));
  }

  toTerraform(): Record<string, unknown> {
    return {
      ephemeral: {
        [this.type]: {
          [this.friendlyUniqueId]: {
            ...this.config,
            "//": { metadata: { path: this.node.path, uniqueId: this.friendlyUniqueId } },
          },
        },
      },
    };
  }
}
