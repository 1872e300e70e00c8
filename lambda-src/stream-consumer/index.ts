import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { processKinesisEvent } from "./consume";
import { ParkingTarget } from "./park";
import { ItemWriter, WriteStrategy } from "./writer";

// Module scope: created once per container, reused by every invocation. The service name comes
// from POWERTOOLS_SERVICE_NAME, which the construct sets (and the function's environment may change).
const logger = new Logger();
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
// The configured endpoint (regional, or AWS_ENDPOINT_URL), never the queue URL's host: the parking
// queue is in the function's region, and the endpoint setting must hold for every call.
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
// Path-style addressing works with every endpoint (the deploy tier's emulator included).
const s3 = new S3Client({ forcePathStyle: true });
const tableName = requiredEnv("TABLE_NAME");
const schema = {
  partitionKey: process.env.PARTITION_KEY || "eventId",
  sortKey: process.env.SORT_KEY || undefined,
  partitionKeyMustMatch: process.env.PARTITION_KEY_MUST_MATCH === "true",
};
const parking: ParkingTarget = {
  queueUrl: requiredEnv("PARKING_QUEUE_URL"),
  bucket: process.env.PARKING_BUCKET || undefined,
  sendMessage: (input) => sqs.send(new SendMessageCommand(input)),
  putObject: (input) => s3.send(new PutObjectCommand(input)),
};
const strategy = (process.env.WRITE_STRATEGY || "conditional") as WriteStrategy;
/** Time kept back from the function's timeout to report failures instead of timing out. */
const SAFETY_MARGIN_MS = Number(process.env.SAFETY_MARGIN_MS || 2000);

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

export const handler = async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  const writer = new ItemWriter(client, { tableName, deadline, strategy });
  return processKinesisEvent(event, context, { writer, schema, parking, logger });
};
