import { IEncryptionKey } from "../kms/encryption-key";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import type { IEventSourceDlq } from "./kinesis-event-source";

/** An SNS topic, by ARN, with its customer-managed key when it has one. */
export interface TopicReference {
  readonly topicArn: string;
  /** @default none (unencrypted, or the AWS-managed key) */
  readonly encryptionKey?: IEncryptionKey;
}

/** An SNS topic as on-failure destination: `sns:Publish`, plus its customer key's encrypt and decrypt. */
export class SnsDlq implements IEventSourceDlq {
  constructor(private readonly topic: TopicReference) {}

  bind(target: IGrantable): string {
    target.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ["sns:Publish"], resources: [this.topic.topicArn] }));
    this.topic.encryptionKey?.grantEncryptDecrypt(target);
    return this.topic.topicArn;
  }
}
