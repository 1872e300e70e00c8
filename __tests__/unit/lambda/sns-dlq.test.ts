import { TerraformVariable } from "cdktf";
import { EncryptionKey, SnsDlq } from "../../../modules";
import { build, KEY_ARN, mapping, statements } from "./kinesis-event-source-fixture";

const TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:failures";

describe("SnsDlq", () => {
  it("is the topic's ARN and grants sns:Publish on it and its customer key's encrypt and decrypt", () => {
    const json = build({ onFailure: new SnsDlq({ topicArn: TOPIC_ARN, encryptionKey: EncryptionKey.fromKeyArn(KEY_ARN) }) }).json;
    expect(mapping(json).destination_config).toEqual({ on_failure: { destination_arn: TOPIC_ARN } });
    expect(statements(json).slice(3)).toEqual([
      { Effect: "Allow", Action: "sns:Publish", Resource: TOPIC_ARN },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN },
    ]);
  });

  it("takes a FIFO topic, another partition, and a reference known at apply time", () => {
    for (const topicArn of ["arn:aws:sns:eu-west-1:123456789012:failures.fifo", "arn:aws-us-gov:sns:us-gov-west-1:123456789012:failures"]) {
      expect(mapping(build({ onFailure: new SnsDlq({ topicArn }) }).json).destination_config.on_failure.destination_arn).toBe(topicArn);
    }
    const json = build({}, (stack) => ({ onFailure: new SnsDlq({ topicArn: new TerraformVariable(stack, "TopicArn", { type: "string" }).stringValue }) })).json;
    expect(mapping(json).destination_config.on_failure.destination_arn).toBe("${var.TopicArn}");
  });

  it.each([
    ["a queue's ARN", "arn:aws:sqs:eu-west-1:123456789012:failures"],
    ["a topic name alone", "failures"],
    ["an account of 11 digits", "arn:aws:sns:eu-west-1:12345678901:failures"],
    ["a subscription's ARN", "arn:aws:sns:eu-west-1:123456789012:failures:8a21d249-4329-4871-acc6-7be709c6ea7f"],
    ["a name with a slash", "arn:aws:sns:eu-west-1:123456789012:team/failures"],
  ])("refuses %s as topicArn when constructed", (_label, topicArn) => {
    expect(() => new SnsDlq({ topicArn })).toThrow(
      `SnsDlq: topicArn must be an SNS topic ARN (arn:<partition>:sns:<region>:<12-digit account>:<topic name>); got ${JSON.stringify(topicArn)}`,
    );
  });
});
