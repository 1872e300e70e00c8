import { Construct } from "constructs";

/**
 * Where a value is checked: a construct (its path starts the message), or the name of a
 * function that creates none, such as an import (`Secret.fromSecretArn`).
 */
export type ValidationScope = Construct | string;

/**
 * The error thrown for an invalid construct property, at synth, before any resource exists:
 * `<construct path or label>: <detail>`. The validators in validation.ts throw it.
 */
export class ValidationError extends Error {
  /** The message without the location: what is wrong and what is allowed. */
  readonly detail: string;

  constructor(scope: ValidationScope, detail: string) {
    super(`${typeof scope === "string" ? scope : scope.node.path}: ${detail}`);
    this.name = "ValidationError";
    this.detail = detail;
  }
}
