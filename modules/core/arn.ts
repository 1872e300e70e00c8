import { Construct } from "constructs";
import { isUnresolved, validatePattern, ValidationError } from "./validation";

export interface ImportedArn {
  /** The prop holding the ARN, for messages, e.g. `streamArn`. */
  readonly arnProp: string;
  readonly arn: string;
  /** What a valid ARN of this kind looks like; it must end with `/<name>`. */
  readonly pattern: RegExp;
  /** The pattern in words, for messages, e.g. `a Kinesis stream ARN`. */
  readonly description: string;
  /** The prop that can give the name instead, for messages, e.g. `streamName`. */
  readonly nameProp: string;
  /** The name when given; needed when `arn` is a reference. */
  readonly name?: string;
}

/**
 * The name of a resource imported by ARN, after checking the ARN: the given name, else the
 * ARN's last `/` segment. An ARN that is a reference (known at apply time) needs the name.
 */
export function nameOfImportedArn(scope: Construct, imported: ImportedArn): string {
  const { arnProp, arn, nameProp } = imported;
  validatePattern(scope, arnProp, arn, imported.pattern, imported.description);
  const name = imported.name ?? (isUnresolved(arn) ? undefined : arn.slice(arn.lastIndexOf("/") + 1));
  if (name === undefined) throw new ValidationError(scope, `${nameProp} is required when ${arnProp} is a reference`);
  return name;
}
