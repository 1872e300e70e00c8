import { IEncryptionKey } from "../kms/encryption-key";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { validatePattern } from "../core/validation";
import type { IEventSourceDlq } from "./kinesis-event-source";

/** An SNS topic, by ARN, with its customer-managed key when it has one. */
export interface TopicReference {
  /** The topic's ARN, `arn:<partition>:sns:<region>:<12-digit account>:<topic name>`; a reference is taken as it is. */
  readonly topicArn: string;
  /** @default none (unencrypted, or the AWS-managed key) */
  readonly encryptionKey?: IEncryptionKey;
}

/** A topic name: 1–256 characters of `[A-Za-z0-9_-]`, a FIFO topic's ending in `.fifo`. */
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)$/;

/** An SNS topic as on-failure destination: `sns:Publish`, plus its customer key's encrypt and decrypt. */
export class SnsDlq implements IEventSourceDlq {
  constructor(private readonly topic: TopicReference) {
    validatePattern("SnsDlq", "topicArn", topic.topicArn, SNS_TOPIC_ARN, "an SNS topic ARN (arn:<partition>:sns:<region>:<12-digit account>:<topic name>)");
  }

  bind(target: IGrantable): string {
    target.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ["sns:Publish"], resources: [this.topic.topicArn] }));
    this.topic.encryptionKey?.grantEncryptDecrypt(target);
    return this.topic.topicArn;
  }
}
