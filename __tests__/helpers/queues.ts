import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

/**
 * Every message body in a queue, parsed as JSON. Received messages stay invisible for ten
 * minutes (the rest of a test run), or with `remove` are deleted, so the queue can be counted again.
 */
export async function receiveAll<T = any>(sqs: SQSClient, queueUrl: string, options: { remove?: boolean } = {}): Promise<T[]> {
  const bodies: T[] = [];
  for (;;) {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }));
    if (!got.Messages?.length) return bodies;
    bodies.push(...got.Messages.map((m) => JSON.parse(m.Body!)));
    if (options.remove) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: got.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
  }
}
