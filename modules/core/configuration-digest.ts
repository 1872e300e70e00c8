import { createHash } from "crypto";
import { IResolvable, IResolveContext, TerraformResource, Token } from "cdktf";

/**
 * SHA-256 of resources' synthesized configuration, computed at synth: references stay as
 * `${…}` text, so the value is known before apply and changes exactly when the configuration
 * does (a deployment's `triggers`).
 *
 * A digest names no resource. Readers of the configuration that look for references
 * (`PolicyDependencyAspect`) skip it with `isConfigurationDigest` instead of resolving it:
 * resolving it means resolving every resource it covers, which was a fifth of a synth.
 */
export class ConfigurationDigest implements IResolvable {
  /** The digest as a string token. */
  static asString(resources: () => TerraformResource[]): string {
    return Token.asString(new ConfigurationDigest(resources));
  }

  readonly creationStack: string[] = [];

  private constructor(private readonly resources: () => TerraformResource[]) {}

  resolve(context: IResolveContext): string {
    const configuration = context.resolve(this.resources().map((r) => r.toTerraform()));
    return createHash("sha256").update(JSON.stringify(configuration)).digest("hex");
  }
}

/** Whether a token is a `ConfigurationDigest` (names no resource). */
export function isConfigurationDigest(token: unknown): boolean {
  return token instanceof ConfigurationDigest;
}
