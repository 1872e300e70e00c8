import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IEncryptionKey } from "../kms/encryption-key";
import { validateOneOf } from "../core/validation";
import { skipCheckov } from "../core/checkov";

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/** Default retention: a year, enough for an incident review and a yearly audit. */
export const DEFAULT_LOG_RETENTION_DAYS: LogRetentionDays = 365;

export interface LogGroupProps {
  /** The log group name. */
  readonly logGroupName: string;
  /** Days to keep events; one of `LOG_RETENTION_DAYS`. @default 365 */
  readonly retentionDays?: number;
  /** A KMS key encrypting the events (its key policy must allow CloudWatch Logs). @default the service-owned key */
  readonly encryptionKey?: IEncryptionKey;
}

/** A CloudWatch log group that always has a retention. */
export class LogGroup extends Construct {
  readonly resource: CloudwatchLogGroup;
  readonly logGroupName: string;
  readonly logGroupArn: string;

  constructor(scope: Construct, id: string, props: LogGroupProps) {
    super(scope, id);
    validateOneOf(this, "retentionDays", props.retentionDays, LOG_RETENTION_DAYS);
    this.resource = new CloudwatchLogGroup(this, "Resource", {
      name: props.logGroupName,
      retentionInDays: props.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
      kmsKeyId: props.encryptionKey?.keyArn,
    });
    this.logGroupName = props.logGroupName;
    this.logGroupArn = this.resource.arn;
    if (!props.encryptionKey) {
      skipCheckov(this.resource, "CKV_AWS_158", "CloudWatch Logs encrypts at rest with service keys; the logs hold no payloads or credentials. encryptionKey takes a key whose policy admits the logs service");
    }
  }
}
