import { Construct } from "constructs";
import { CloudwatchLogStream } from "@cdktf/provider-aws/lib/cloudwatch-log-stream";
import { LogGroup } from "../cloudwatch/log-group";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { ValidationError } from "../core/validation";

export interface DeliveryLoggingProps {
  /** Log delivery errors to CloudWatch Logs. @default true */
  readonly logging?: boolean;
  /** The log group for delivery errors. @default one created per delivery stream, 365-day retention */
  readonly logGroup?: LogGroup;
}

/** Where Firehose logs the errors of one delivery (to the destination, or of the backup). */
export type LoggingOptions = { enabled: false } | { enabled: true; logGroupName: string; logStreamName: string };

export interface DeliveryLogStreams {
  readonly destination: LoggingOptions;
  readonly backup: LoggingOptions;
}

/** A destination's error logging: validated; creates a log stream per delivery, which the role may write to. */
export class DeliveryLogging {
  constructor(
    scope: Construct,
    private readonly props: DeliveryLoggingProps,
  ) {
    if (props.logging === false && props.logGroup) {
      throw new ValidationError(scope, "destination.logGroup is given but destination.logging is false; drop one of them");
    }
  }

  /** Creates the log group (unless given) and the log streams (the backup's only `withBackup`); `grantee` may put events into them. */
  bind(scope: Construct, grantee: IGrantable, deliveryStreamName: string, withBackup: boolean): DeliveryLogStreams {
    if (this.props.logging === false) return { destination: { enabled: false }, backup: { enabled: false } };
    const logGroup = this.props.logGroup ?? new LogGroup(scope, "LogGroup", { logGroupName: `/aws/kinesisfirehose/${deliveryStreamName}` });
    // Several delivery streams may share a user's log group: name the streams after this one.
    const streamName = (kind: string) => (this.props.logGroup ? `${deliveryStreamName}-${kind}` : kind);
    // The group's name as a reference, so the group exists before its streams and the delivery stream.
    const stream = (id: string, kind: string) => new CloudwatchLogStream(scope, id, { logGroupName: logGroup.resource.name, name: streamName(kind) }).name;
    const destination = stream("DeliveryLogStream", "DestinationDelivery");
    const backup = withBackup ? stream("BackupLogStream", "BackupDelivery") : undefined;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["logs:PutLogEvents"],
        resources: [destination, ...(backup ? [backup] : [])].map((s) => `${logGroup.logGroupArn}:log-stream:${s}`),
      }),
    );
    const options = (logStreamName: string) => ({ enabled: true as const, logGroupName: logGroup.resource.name, logStreamName });
    return { destination: options(destination), backup: backup ? options(backup) : { enabled: false } };
  }
}
