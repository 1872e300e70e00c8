import { IQueue } from "../sqs/queue";
import { IGrantable } from "../iam/policy-statement";
import type { IEventSourceDlq } from "./kinesis-event-source";

/** An SQS queue as on-failure destination: `sqs:SendMessage`, plus its customer key's encrypt and decrypt. */
export class SqsDlq implements IEventSourceDlq {
  constructor(private readonly queue: IQueue) {}

  bind(target: IGrantable): string {
    this.queue.grantSendMessages(target);
    return this.queue.queueArn;
  }
}
