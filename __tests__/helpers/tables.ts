import { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";

/**
 * Every item of a table, by its `eventId`, read page by page with strongly consistent scans.
 * Numbers come back as their exact text (`wrapNumbers`, the default): the document client would
 * round those beyond 2^53 otherwise. `exactNumbers: false` gives plain JavaScript numbers.
 */
export async function scanAll(clientConfig: DynamoDBClientConfig, tableName: string, options: { exactNumbers?: boolean } = {}): Promise<Map<string, Record<string, any>>> {
  const reader = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig), { unmarshallOptions: { wrapNumbers: options.exactNumbers ?? true } });
  const items = new Map<string, Record<string, any>>();
  let ExclusiveStartKey: Record<string, any> | undefined;
  do {
    const page = await reader.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) items.set(item.eventId, item);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
