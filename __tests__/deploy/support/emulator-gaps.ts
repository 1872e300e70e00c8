import { EmulatorGap } from "./terraform";

/**
 * In-place changes a second plan shows only because moto 5.2.5 does not store an attribute.
 * Each was checked against the emulator's own answer; nothing else in a second plan is tolerated.
 */
export const MOTO_GAPS: readonly EmulatorGap[] = [
  {
    type: "aws_lambda_function",
    attribute: "logging_config",
    why: "moto's CreateFunction/GetFunction ignore LoggingConfig, so the JSON log format and log group never read back",
  },
  {
    type: "aws_kinesis_stream",
    attribute: "tags_all",
    why: "moto's CreateStream drops the Tags parameter (ListTagsForStream answers []), so default_tags never read back",
  },
];
