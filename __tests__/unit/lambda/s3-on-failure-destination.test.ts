import { EncryptionKey, S3OnFailureDestination, SecureBucket } from "../../../modules";
import { build, KEY_ARN, mapping, statements } from "./kinesis-event-source-fixture";

describe("S3OnFailureDestination", () => {
  it("is the bucket's ARN and grants ListBucket on it, PutObject on its objects and GenerateDataKey on its key", () => {
    const json = build({
      onFailure: new S3OnFailureDestination(SecureBucket.fromBucketName("failed-batches", { encryptionKey: EncryptionKey.fromKeyArn(KEY_ARN) })),
    }).json;
    expect(mapping(json).destination_config).toEqual({ on_failure: { destination_arn: "arn:aws:s3:::failed-batches" } });
    expect(statements(json).slice(3)).toEqual([
      { Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::failed-batches" },
      { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::failed-batches/*" },
      { Effect: "Allow", Action: "kms:GenerateDataKey", Resource: KEY_ARN },
    ]);
  });
});
