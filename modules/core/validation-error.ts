import { Tokenization } from "cdktf";
import { Construct } from "constructs";

/**
 * Where a value is checked: a construct (its path starts the message), or the name of a
 * function that creates none, such as an import (`Secret.fromSecretArn`).
 */
export type ValidationScope = Construct | string;

/** What a message shows in place of a value Terraform knows only at apply time. */
export const UNRESOLVED_VALUE = "<known after apply>";

/** A cdktf string, list or map token, with the JSON quotes around it when it stood alone in a string. */
const TOKEN_MARKER = /"?[$#&]\{TfToken\[[^\]]*\]\}"?/g;
/** A number as JavaScript prints it in exponent form: how cdktf's number tokens look in a message. */
const EXPONENT_NUMBER = /-?\d+(?:\.\d+)?e[+-]\d+/gi;

/**
 * `text` with every unresolved token (a reference such as a resource's name, encoded by cdktf as
 * `${TfToken[TOKEN.12]}`, or as a huge negative number) shown as `<known after apply>`.
 * Every ValidationError's message goes through here, so no message prints a token.
 */
export function renderTokens(text: string): string {
  return text
    .replace(TOKEN_MARKER, (marker) => (marker.startsWith('"') !== marker.endsWith('"') ? marker.replace(/[$#&]\{TfToken\[[^\]]*\]\}/, UNRESOLVED_VALUE) : UNRESOLVED_VALUE))
    .replace(EXPONENT_NUMBER, (printed) => (Tokenization.reverseNumber(Number(printed)) ? UNRESOLVED_VALUE : printed));
}

/**
 * The error thrown for an invalid construct property, at synth, before any resource exists:
 * `<construct path or label>: <detail>`, with unresolved tokens shown as `<known after apply>`.
 * The validators in validation.ts throw it.
 */
export class ValidationError extends Error {
  /** The message without the location: what is wrong and what is allowed. */
  readonly detail: string;

  constructor(scope: ValidationScope, detail: string) {
    const readable = renderTokens(detail);
    super(`${typeof scope === "string" ? scope : scope.node.path}: ${readable}`);
    this.name = "ValidationError";
    this.detail = readable;
  }
}
