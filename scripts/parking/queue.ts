import { ChangeMessageVisibilityCommand, DeleteMessageCommand, Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

export interface DrainOptions {
  /** Seconds a received message stays hidden while the run works on it. */
  visibilityTimeout?: number;
  /** Long-poll seconds: an empty answer then means the queue is empty, not an unlucky sample. */
  waitTimeSeconds?: number;
}

/**
 * Reads a queue to the end, ten messages at a time, and hands each batch to `handle`, which
 * returns the messages to keep. A message is handled once per run: it stays hidden while the run
 * lasts, and the kept ones are made visible again at the end, so the next run (or the consumer of
 * the queue) sees them at once. Deleting a message is up to `handle` (see deleteMessage).
 * Only messages sent before the run began are handled: a replayed record the consumer parks
 * again (its cause not fixed after all) must not be replayed again in the same run, forever.
 * Those are left in place and counted as `late`.
 */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: DrainOptions,
  handle: (messages: Message[]) => Promise<Message[]>,
): Promise<{ received: number; late: number; releaseErrors: string[] }> {
  const startedAt = Date.now();
  const seen = new Set<string>();
  const kept: Message[] = [];
  let late = 0;
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: options.visibilityTimeout ?? 600,
        WaitTimeSeconds: options.waitTimeSeconds ?? 2,
        MessageSystemAttributeNames: ["SentTimestamp"],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    // A message seen before came back because its visibility ran out during this run: it was
    // handled (kept) already, so it is only hidden again.
    const fresh = messages.filter((m) => !seen.has(m.MessageId!));
    kept.push(...messages.filter((m) => seen.has(m.MessageId!)));
    fresh.forEach((m) => seen.add(m.MessageId!));
    const arrivedLate = (m: Message) => Number(m.Attributes?.SentTimestamp ?? 0) > startedAt;
    late += fresh.filter(arrivedLate).length;
    kept.push(...fresh.filter(arrivedLate));
    const due = fresh.filter((m) => !arrivedLate(m));
    if (due.length > 0) kept.push(...(await handle(due)));
  }
  const releaseErrors: string[] = [];
  for (const message of kept) {
    try {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
    } catch (e) {
      releaseErrors.push(`message ${message.MessageId} stays hidden until its visibility timeout: ${(e as Error).message}`);
    }
  }
  return { received: seen.size, late, releaseErrors };
}

export const deleteMessage = (sqs: SQSClient, queueUrl: string, message: Message) =>
  sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
