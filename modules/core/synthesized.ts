import { DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from "cdktf";
import { IConstruct } from "constructs";

const RESOLVER = new DefaultTokenResolver(new StringConcat());

/**
 * A value as the stack `scope` is in synthesizes it (what `TerraformStack` does internally): a
 * reference becomes its Terraform expression, `${aws_kinesis_stream.Stream_1A2B3C4D.arn}`.
 * For reading the configuration at synth, and for naming a token in an error message.
 */
export function synthesized(scope: IConstruct, value: unknown): any {
  return Tokenization.resolve(value, { scope: TerraformStack.of(scope), preparing: false, resolver: RESOLVER });
}
