import { EVENT_OBJECT, KinesisAction, KinesisRoute, KinesisRouteProps, UNESCAPE_QUOTE } from "./kinesis-route";

/** The body of the built-in PutRecord route: one event. */
export const SUBMIT_SCHEMA = { $schema: "http://json-schema.org/draft-04/schema#", title: "Event", ...EVENT_OBJECT };

const PUT_RECORD: KinesisAction = {
  name: "PutRecord",
  model: { name: "Event", schema: SUBMIT_SCHEMA },
  // Size: Kinesis refuses a record over 1 MiB (mapped to 413), API Gateway a body over 10 MB (413 too).
  requestTemplate: (streamName) =>
    `{"StreamName":"${streamName}","PartitionKey":"$util.escapeJavaScript($input.params('eventId'))${UNESCAPE_QUOTE}","Data":"$util.base64Encode($input.body)"}`,
  responseTemplate: `{"sequenceNumber":"$input.path('$.SequenceNumber')","shardId":"$input.path('$.ShardId')"}`,
  templateParams: ["eventId"],
};

/**
 * `POST <path>` → Kinesis PutRecord: the body (by default an `Event`, a JSON object with
 * `eventId`) becomes one record, partitioned by the path's `{eventId}`; answers
 * `{"sequenceNumber", "shardId"}`. The API's built-in `/submit/{streamName}/{eventId}` is one.
 */
export class KinesisPutRecordRoute extends KinesisRoute {
  constructor(props: KinesisRouteProps) {
    super(PUT_RECORD, props);
  }
}
