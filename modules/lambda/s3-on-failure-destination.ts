import { IBucket } from "../s3/secure-bucket";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import type { IEventSourceDlq } from "./kinesis-event-source";

/**
 * An S3 bucket as on-failure destination: Lambda writes one object per failed batch, holding
 * the invocation record too. It needs `s3:ListBucket` on the bucket and `s3:PutObject` on its
 * objects, plus `kms:GenerateDataKey` on a customer key.
 */
export class S3OnFailureDestination implements IEventSourceDlq {
  constructor(private readonly bucket: IBucket) {}

  bind(target: IGrantable): string {
    const principal = target.grantPrincipal;
    principal.addToPrincipalPolicy(new PolicyStatement({ actions: ["s3:ListBucket"], resources: [this.bucket.bucketArn] }));
    principal.addToPrincipalPolicy(new PolicyStatement({ actions: ["s3:PutObject"], resources: [`${this.bucket.bucketArn}/*`] }));
    this.bucket.encryptionKey?.grantEncrypt(target);
    return this.bucket.bucketArn;
  }
}
