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
});
