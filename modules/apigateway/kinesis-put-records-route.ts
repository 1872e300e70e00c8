import { EVENT_OBJECT, KinesisAction, KinesisRoute, KinesisRouteProps, UNESCAPE_QUOTE } from "./kinesis-route";

/** The body of the built-in PutRecords route: 1–500 entries, each holding one event as `data`. */
export const BATCH_SCHEMA = {
  $schema: "http://json-schema.org/draft-04/schema#",
  title: "EventBatch",
  type: "object",
  required: ["records"],
  additionalProperties: false,
  properties: {
    records: {
      type: "array",
      minItems: 1,
      maxItems: 500,
      items: {
        type: "object",
        required: ["data"],
        additionalProperties: false,
        properties: { data: EVENT_OBJECT },
      },
    },
  },
};

const PUT_RECORDS: KinesisAction = {
  name: "PutRecords",
  model: { name: "EventBatch", schema: BATCH_SCHEMA },
  requestTemplate: (streamName) => `{"StreamName":"${streamName}","Records":[#foreach($record in $input.path('$.records'))#set($i = $foreach.index)
{"PartitionKey":"$util.escapeJavaScript($input.path("$.records[$i].data.eventId"))${UNESCAPE_QUOTE}","Data":"$util.base64Encode($input.json("$.records[$i].data"))"}#if($foreach.hasNext),#end#end]}`,
  responseTemplate: `{"failedRecordCount":$input.path('$.FailedRecordCount'),"records":$input.json('$.Records')}`,
  templateParams: [],
};

/**
 * `POST <path>` → Kinesis PutRecords: the body (by default an `EventBatch`,
 * `{ "records": [{ "data": {…} }] }`, 1–500) becomes one record per entry, each partitioned by
 * its `data.eventId`; answers `{"failedRecordCount", "records"}`. The API's built-in
 * `/streams/{streamName}/records` is one.
 */
export class KinesisPutRecordsRoute extends KinesisRoute {
  constructor(props: KinesisRouteProps) {
    super(PUT_RECORDS, props);
  }
}
