import { Construct } from "constructs";
import { KinesisFirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfiguration } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { Duration } from "../core/duration";
import { Size } from "../core/size";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { validateDuration, validateSize } from "../core/validation";

/** A Lambda function that transforms records before delivery: any function ARN, or one of ours. */
export interface IProcessorFunction {
  readonly functionArn: string;
}

export interface DataProcessorProps {
  /** The function transforming the records. */
  readonly function: IProcessorFunction;
  /** How long Firehose buffers records before invoking the function, 60–900 s. @default Duration.minutes(1) */
  readonly bufferInterval?: Duration;
  /** How much it buffers before invoking the function, 0.2–3 MiB. @default Size.mebibytes(1) */
  readonly bufferSize?: Size;
}

/** A destination's Lambda processor, validated: its processing configuration and the grant to invoke it. */
export class LambdaProcessor {
  private readonly functionArn: string;
  private readonly bufferIntervalSeconds: number;
  private readonly bufferSizeMiB: number;

  constructor(scope: Construct, props: DataProcessorProps) {
    this.functionArn = props.function.functionArn;
    this.bufferIntervalSeconds = validateDuration(scope, "destination.processor.bufferInterval", props.bufferInterval, "seconds", { min: 60, max: 900 }) ?? 60;
    this.bufferSizeMiB = validateSize(scope, "destination.processor.bufferSize", props.bufferSize, "mebibytes", { min: 0.2, max: 3, integer: false }) ?? 1;
  }

  /** Lets the destination's role invoke the function and its versions (Firehose invokes `<arn>:$LATEST`). */
  grantInvoke(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
        resources: [this.functionArn, `${this.functionArn}:*`],
      }),
    );
  }

  get processingConfiguration(): KinesisFirehoseDeliveryStreamExtendedS3ConfigurationProcessingConfiguration {
    return {
      enabled: true,
      processors: [
        {
          type: "Lambda",
          parameters: [
            { parameterName: "LambdaArn", parameterValue: `${this.functionArn}:$LATEST` },
            { parameterName: "BufferSizeInMBs", parameterValue: String(this.bufferSizeMiB) },
            { parameterName: "BufferIntervalInSeconds", parameterValue: String(this.bufferIntervalSeconds) },
          ],
        },
      ],
    };
  }
}
