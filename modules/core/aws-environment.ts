import { TerraformStack, Token } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";

/** The partition of a region name (`cn-north-1` → `aws-cn`, `us-gov-west-1` → `aws-us-gov`, …). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  if (region.startsWith("eusc-")) return "aws-eusc";
  return "aws";
}

/**
 * Account, region and partition of a stack's default AWS provider, each as cheaply as it can
 * be had: the region and partition from the provider's own `region` when it is a literal (no
 * data source at all), else from one `aws_region`/`aws_partition` data source per stack; the
 * account from one `aws_caller_identity` per stack. Every construct asks here, so a stack never
 * holds more than one data source of each kind.
 *
 * `aws_region`'s `name` is read (not 6.x's `region`): it exists in AWS provider 5.x and 6.x.
 */
export class AwsEnvironment extends Construct {
  /** The stack's environment, created on first use. */
  static of(scope: IConstruct): AwsEnvironment {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild(AwsEnvironment.ID);
    return (existing as AwsEnvironment | undefined) ?? new AwsEnvironment(stack, AwsEnvironment.ID);
  }

  private static readonly ID = "AwsEnvironment";
  private callerIdentity?: DataAwsCallerIdentity;
  private regionData?: DataAwsRegion;
  private partitionData?: DataAwsPartition;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  /** The account the stack deploys into. */
  get accountId(): string {
    this.callerIdentity ??= new DataAwsCallerIdentity(this, "CallerIdentity");
    return this.callerIdentity.accountId;
  }

  /** The region of the stack's default AWS provider. */
  get region(): string {
    const literal = this.literalProviderRegion();
    if (literal !== undefined) return literal;
    this.regionData ??= new DataAwsRegion(this, "Region");
    return this.regionData.name;
  }

  /** The partition (`aws`, `aws-cn`, `aws-us-gov`, …) of the stack's default AWS provider. */
  get partition(): string {
    const literal = this.literalProviderRegion();
    if (literal !== undefined) return partitionOfRegion(literal);
    this.partitionData ??= new DataAwsPartition(this, "Partition");
    return this.partitionData.partition;
  }

  /** The default (un-aliased) AWS provider's region, when it is a plain string known at synth. */
  private literalProviderRegion(): string | undefined {
    const provider = TerraformStack.of(this)
      .node.findAll()
      .find((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
    const region = provider?.region;
    return region !== undefined && !Token.isUnresolved(region) ? region : undefined;
  }
}
