import { Construct } from "constructs";
import { KinesisFirehoseDeliveryStreamExtendedS3Configuration } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { IBucket } from "../s3/secure-bucket";
import { validateOneOf } from "../core/validation";
import { Compression, COMPRESSION_FORMATS } from "./compression";
import { LoggingOptions } from "./delivery-logging";

export interface S3BackupProps {
  /** Where source records are copied. @default the destination bucket, under `prefix` */
  readonly bucket?: IBucket;
  /** @default "source-records/" */
  readonly prefix?: string;
  /** @default GZIP */
  readonly compression?: Compression;
}

/** A destination's copy of every source record, untransformed, to S3: validated, and its part of the configuration. */
export class S3Backup {
  constructor(
    scope: Construct,
    private readonly props: S3BackupProps,
  ) {
    validateOneOf(scope, "destination.s3Backup.compression", props.compression, COMPRESSION_FORMATS);
  }

  /** The bucket the copies go to: the given one, else the destination's. */
  bucketOr(destinationBucket: IBucket): IBucket {
    return this.props.bucket ?? destinationBucket;
  }

  /** The backup settings of the destination's configuration: copies written by `roleArn`. */
  configuration(
    destinationBucket: IBucket,
    roleArn: string,
    logging: LoggingOptions,
  ): Pick<KinesisFirehoseDeliveryStreamExtendedS3Configuration, "s3BackupMode" | "s3BackupConfiguration"> {
    return {
      s3BackupMode: "Enabled",
      s3BackupConfiguration: {
        bucketArn: this.bucketOr(destinationBucket).bucketArn,
        roleArn,
        prefix: this.props.prefix ?? "source-records/",
        compressionFormat: this.props.compression ?? "GZIP",
        cloudwatchLoggingOptions: logging,
      },
    };
  }
}
