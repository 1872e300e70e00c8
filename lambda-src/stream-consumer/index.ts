import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { processKinesisEvent } from "./consume";
import { ItemWriter } from "./writer";

// Module scope: created once per container, reused by every invocation. The service name comes
// from POWERTOOLS_SERVICE_NAME, which the construct sets (and the function's environment may change).
const logger = new Logger();
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const tableName = requiredEnv("TABLE_NAME");
const schema = { partitionKey: process.env.PARTITION_KEY || "eventId", sortKey: process.env.SORT_KEY || undefined };
/** Time kept back from the function's timeout to report failures instead of timing out. */
const SAFETY_MARGIN_MS = Number(process.env.SAFETY_MARGIN_MS || 2000);

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

export const handler = async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  const writer = new ItemWriter(client, { tableName, deadline });
  return processKinesisEvent(event, context, { writer, schema, logger });
};
