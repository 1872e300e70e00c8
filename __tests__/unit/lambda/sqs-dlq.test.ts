import { EncryptionKey, Queue, SqsDlq } from "../../../modules";
import { build, KEY_ARN, mapping, ref, statements } from "./kinesis-event-source-fixture";

const QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:failures";

describe("SqsDlq", () => {
  it("is the queue's ARN and grants sqs:SendMessage on it and its customer key's encrypt and decrypt", () => {
    const json = build({}, (stack) => ({ onFailure: new SqsDlq(new Queue(stack, "Dlq", { queueName: "dlq", encryptionKey: EncryptionKey.fromKeyArn(KEY_ARN) })) })).json;
    expect(mapping(json).destination_config).toEqual({ on_failure: { destination_arn: ref(json, "aws_sqs_queue") } });
    expect(statements(json)).toEqual(
      expect.arrayContaining([
        { Effect: "Allow", Action: "sqs:SendMessage", Resource: ref(json, "aws_sqs_queue") },
        { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN },
      ]),
    );
  });

  it("on an existing SSE-SQS queue grants SendMessage only", () => {
    const json = build({}, (stack) => ({ onFailure: new SqsDlq(Queue.fromQueueArn(stack, "Dlq", QUEUE_ARN)) })).json;
    expect(mapping(json).destination_config).toEqual({ on_failure: { destination_arn: QUEUE_ARN } });
    expect(statements(json).slice(3)).toEqual([{ Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE_ARN }]);
  });
});
