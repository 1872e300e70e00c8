import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient, TagResourceCommand } from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import * as http from "http";
import { Readable } from "stream";

import { MotoServer, startMoto } from "../../helpers/moto";
import { CallRecorder, credentialsFor, RecordedCall, startCallRecorder } from "./aws-call-recorder";

jest.setTimeout(60_000);

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const PRINCIPAL = "role:ingest-consumer";

let moto: MotoServer;
let recorder: CallRecorder;

beforeAll(async () => {
  moto = await startMoto();
  recorder = await startCallRecorder(moto.endpoint);
});
afterAll(async () => {
  await recorder?.close();
  await moto?.stop();
});
beforeEach(() => recorder.reset());

/** SDK client settings that send `principal`'s calls through the recorder. */
function via(principal = PRINCIPAL) {
  return { endpoint: recorder.endpoint, region: REGION, credentials: credentialsFor(principal) };
}

/** Only what the IAM check looks at. */
function summary(calls: RecordedCall[]) {
  return calls.map(({ action, resources }) => ({ action, resources }));
}

/**
 * A raw AWS request with a SigV4-shaped Authorization header, for protocols no installed SDK client
 * speaks (SQS query protocol, KMS, CloudWatch, Logs). moto does not check the signature.
 */
async function rawAwsRequest(opts: {
  principal?: string;
  signingName: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  region?: string;
}): Promise<{ status: number; body: string }> {
  const date = "20260101T000000Z";
  const akid = credentialsFor(opts.principal ?? PRINCIPAL).accessKeyId;
  const res = await fetch(`${recorder.endpoint}${opts.path ?? "/"}`, {
    method: opts.method ?? "POST",
    headers: {
      "x-amz-date": date,
      authorization: `AWS4-HMAC-SHA256 Credential=${akid}/20260101/${opts.region ?? REGION}/${opts.signingName}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`,
      ...opts.headers,
    },
    body: opts.body,
  });
  return { status: res.status, body: await res.text() };
}

const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
const stream = (name: string) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;

describe("attribution", () => {
  beforeAll(async () => {
    await new DynamoDBClient(moto.clientConfig).send(
      new CreateTableCommand({
        TableName: "attribution",
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  });

  it("attributes each call to the principal whose credentials signed it, with the region and moto's status", async () => {
    await new DynamoDBClient(via("role:writer")).send(new PutItemCommand({ TableName: "attribution", Item: { pk: { S: "a" } } }));
    await expect(
      new DynamoDBClient(via("role:other")).send(new PutItemCommand({ TableName: "missing", Item: { pk: { S: "a" } } })),
    ).rejects.toThrow();

    expect(recorder.callsOf("role:writer")).toEqual([
      { principal: "role:writer", service: "dynamodb", action: "dynamodb:PutItem", resources: [table("attribution")], region: REGION, status: 200 },
    ]);
    expect(recorder.callsOf("role:other")).toEqual([
      { principal: "role:other", service: "dynamodb", action: "dynamodb:PutItem", resources: [table("missing")], region: REGION, status: 400 },
    ]);
    expect(recorder.calls()).toHaveLength(2);
  });

  it("round-trips any label through credentialsFor, even one with '/', ',' and spaces", async () => {
    const label = "user:ops/alice, on call";
    expect(credentialsFor(label).accessKeyId).not.toMatch(/[/, ]/);
    await new DynamoDBClient(via(label)).send(new PutItemCommand({ TableName: "attribution", Item: { pk: { S: "b" } } }));
    expect(recorder.calls().map((c) => c.principal)).toEqual([label]);
  });

  it("forgets recorded calls on reset", async () => {
    await new DynamoDBClient(via()).send(new PutItemCommand({ TableName: "attribution", Item: { pk: { S: "c" } } }));
    expect(recorder.calls()).toHaveLength(1);
    recorder.reset();
    expect(recorder.calls()).toEqual([]);
  });

  it("does not record moto's own management API", async () => {
    const res = await fetch(`${recorder.endpoint}/moto-api/data.json`);
    expect(res.status).toBe(200);
    expect(recorder.calls()).toEqual([]);
  });
});

describe("DynamoDB", () => {
  const ddb = () => new DynamoDBClient(via());

  beforeAll(async () => {
    const admin = new DynamoDBClient(moto.clientConfig);
    for (const TableName of ["events", "audit"]) {
      await admin.send(
        new CreateTableCommand({
          TableName,
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "kind", AttributeType: "S" },
          ],
          GlobalSecondaryIndexes: [{ IndexName: "by-kind", KeySchema: [{ AttributeName: "kind", KeyType: "HASH" }], Projection: { ProjectionType: "ALL" } }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
    }
  });

  it("records BatchWriteItem once, on every table in RequestItems", async () => {
    await ddb().send(
      new BatchWriteItemCommand({
        RequestItems: {
          events: [{ PutRequest: { Item: { pk: { S: "1" }, kind: { S: "k" } } } }],
          audit: [{ PutRequest: { Item: { pk: { S: "audit-1" }, kind: { S: "k" } } } }],
        },
      }),
    );
    expect(summary(recorder.calls())).toEqual([{ action: "dynamodb:BatchWriteItem", resources: [table("events"), table("audit")] }]);
  });

  it("records a Query on an index against the index ARN", async () => {
    await ddb().send(
      new QueryCommand({ TableName: "events", IndexName: "by-kind", KeyConditionExpression: "kind = :k", ExpressionAttributeValues: { ":k": { S: "k" } } }),
    );
    expect(summary(recorder.calls())).toEqual([{ action: "dynamodb:Query", resources: [`${table("events")}/index/by-kind`] }]);
  });

  it("records TransactWriteItems as the single-item actions IAM checks, per table", async () => {
    await ddb().send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: "events", Item: { pk: { S: "2" }, kind: { S: "k" } } } },
          { Delete: { TableName: "audit", Key: { pk: { S: "audit-1" } } } },
        ],
      }),
    );
    expect(summary(recorder.calls())).toEqual([
      { action: "dynamodb:PutItem", resources: [table("events")] },
      { action: "dynamodb:DeleteItem", resources: [table("audit")] },
    ]);
  });
});

describe("Kinesis", () => {
  const kinesis = () => new KinesisClient({ ...via(), requestHandler: new NodeHttpHandler() });

  beforeAll(async () => {
    const admin = new KinesisClient({ ...moto.clientConfig, requestHandler: new NodeHttpHandler() });
    await admin.send(new CreateStreamCommand({ StreamName: "ingest", ShardCount: 2 }));
  });

  it("records writes and reads on the stream ARN, following shard iterators and page tokens back to their stream", async () => {
    const k = kinesis();
    await k.send(new PutRecordCommand({ StreamName: "ingest", PartitionKey: "p", Data: Buffer.from("one") }));
    await k.send(new PutRecordsCommand({ StreamARN: stream("ingest"), Records: [{ PartitionKey: "p", Data: Buffer.from("two") }] }));
    await k.send(new DescribeStreamSummaryCommand({ StreamName: "ingest" }));
    const page1 = await k.send(new ListShardsCommand({ StreamName: "ingest", MaxResults: 1 }));
    expect(page1.NextToken).toBeDefined();
    // A later page names no stream, only the token the first page handed out. (moto, unlike Kinesis,
    // rejects such a page, but the call is still made and recorded.)
    await k.send(new ListShardsCommand({ NextToken: page1.NextToken })).catch(() => undefined);
    const { ShardIterator } = await k.send(
      new GetShardIteratorCommand({ StreamName: "ingest", ShardId: page1.Shards![0].ShardId, ShardIteratorType: "TRIM_HORIZON" }),
    );
    const batch = await k.send(new GetRecordsCommand({ ShardIterator }));
    await k.send(new GetRecordsCommand({ ShardIterator: batch.NextShardIterator }));
    await k.send(new ListStreamsCommand({}));

    expect(summary(recorder.calls())).toEqual([
      { action: "kinesis:PutRecord", resources: [stream("ingest")] },
      { action: "kinesis:PutRecords", resources: [stream("ingest")] },
      { action: "kinesis:DescribeStreamSummary", resources: [stream("ingest")] },
      { action: "kinesis:ListShards", resources: [stream("ingest")] },
      { action: "kinesis:ListShards", resources: [stream("ingest")] },
      { action: "kinesis:GetShardIterator", resources: [stream("ingest")] },
      { action: "kinesis:GetRecords", resources: [stream("ingest")] },
      { action: "kinesis:GetRecords", resources: [stream("ingest")] },
      { action: "kinesis:ListStreams", resources: ["*"] },
    ]);
    expect(new Set(recorder.calls().map((c) => c.service))).toEqual(new Set(["kinesis"]));
  });

  it("records SubscribeToShard on the consumer ARN it names", async () => {
    const consumer = `${stream("ingest")}/consumer/fan-out:1700000000`;
    await rawAwsRequest({
      signingName: "kinesis",
      headers: { "x-amz-target": "Kinesis_20131202.SubscribeToShard", "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify({ ConsumerARN: consumer, ShardId: "shardId-000000000000", StartingPosition: { Type: "LATEST" } }),
    });
    expect(summary(recorder.calls())).toEqual([{ action: "kinesis:SubscribeToShard", resources: [consumer] }]);
  });
});

describe("SQS", () => {
  let queueUrl: string;
  const queue = `arn:aws:sqs:${REGION}:${ACCOUNT}:dead-letters`;

  beforeAll(async () => {
    queueUrl = (await new SQSClient(moto.clientConfig).send(new CreateQueueCommand({ QueueName: "dead-letters" }))).QueueUrl!;
  });

  it("records the JSON protocol by queue URL, with batch operations as the single-message actions", async () => {
    const sqs = new SQSClient(via());
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "a" }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: "1", MessageBody: "b" }] }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: got.Messages![0].ReceiptHandle }));

    expect(summary(recorder.calls())).toEqual([
      { action: "sqs:SendMessage", resources: [queue] },
      { action: "sqs:SendMessage", resources: [queue] },
      { action: "sqs:ReceiveMessage", resources: [queue] },
      { action: "sqs:DeleteMessage", resources: [queue] },
    ]);
  });

  it("records the query protocol (Action=...) too, by QueueUrl parameter or request path", async () => {
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const byParam = await rawAwsRequest({
      signingName: "sqs",
      headers: form,
      body: new URLSearchParams({ Action: "SendMessage", QueueUrl: queueUrl, MessageBody: "c", Version: "2012-11-05" }).toString(),
    });
    expect(byParam.status).toBe(200);
    await rawAwsRequest({
      signingName: "sqs",
      path: `/${ACCOUNT}/dead-letters`,
      headers: form,
      body: new URLSearchParams({ Action: "GetQueueAttributes", "AttributeName.1": "All", Version: "2012-11-05" }).toString(),
    });
    expect(summary(recorder.calls())).toEqual([
      { action: "sqs:SendMessage", resources: [queue] },
      { action: "sqs:GetQueueAttributes", resources: [queue] },
    ]);
  });
});

describe("Secrets Manager", () => {
  let secretArn: string;

  beforeAll(async () => {
    const created = await new SecretsManagerClient(moto.clientConfig).send(new CreateSecretCommand({ Name: "basic-auth", SecretString: "{}" }));
    secretArn = created.ARN!;
  });

  it("resolves a secret named by name to its full ARN (with the random suffix), without recording the lookup", async () => {
    expect(secretArn).toMatch(/:secret:basic-auth-[A-Za-z0-9]{6}$/);
    const sm = new SecretsManagerClient(via());
    await sm.send(new GetSecretValueCommand({ SecretId: "basic-auth" }));
    await sm.send(new GetSecretValueCommand({ SecretId: secretArn }));
    // TagResource's response carries no ARN: the recorder asks moto (DescribeSecret) directly.
    await sm.send(new TagResourceCommand({ SecretId: "basic-auth", Tags: [{ Key: "k", Value: "v" }] }));
    expect(summary(recorder.calls())).toEqual([
      { action: "secretsmanager:GetSecretValue", resources: [secretArn] },
      { action: "secretsmanager:GetSecretValue", resources: [secretArn] },
      { action: "secretsmanager:TagResource", resources: [secretArn] },
    ]);
  });

  it("records the name-based ARN pattern for a secret that does not exist", async () => {
    await expect(new SecretsManagerClient(via()).send(new GetSecretValueCommand({ SecretId: "nope" }))).rejects.toThrow();
    expect(recorder.calls()).toEqual([
      expect.objectContaining({
        action: "secretsmanager:GetSecretValue",
        resources: [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:nope-??????`],
        status: 404,
      }),
    ]);
  });
});

describe("S3", () => {
  const BUCKET = "landing";
  const object = (key: string) => `arn:aws:s3:::${BUCKET}/${key}`;
  const s3 = () => new S3Client({ ...via(), forcePathStyle: true });

  beforeAll(async () => {
    await new S3Client({ ...moto.clientConfig, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  it("records object and bucket operations with the actions IAM checks (HeadObject is GetObject, ListObjectsV2 is ListBucket)", async () => {
    const c = s3();
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "in/a b+c.json", Body: "{}" }));
    await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "in/a b+c.json" })).then((r) => r.Body!.transformToString());
    await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "in/a b+c.json" }));
    await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "in/" }));
    await c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "in/a b+c.json" }));

    expect(summary(recorder.calls())).toEqual([
      { action: "s3:PutObject", resources: [object("in/a b+c.json")] },
      { action: "s3:GetObject", resources: [object("in/a b+c.json")] },
      { action: "s3:GetObject", resources: [object("in/a b+c.json")] },
      { action: "s3:ListBucket", resources: [`arn:aws:s3:::${BUCKET}`] },
      { action: "s3:DeleteObject", resources: [object("in/a b+c.json")] },
    ]);
  });

  it("records DeleteObjects as s3:DeleteObject on each key", async () => {
    const c = s3();
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "x", Body: "x" }));
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "y&z", Body: "y" }));
    recorder.reset();
    await c.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: "x" }, { Key: "y&z" }] } }));
    expect(summary(recorder.calls())).toEqual([{ action: "s3:DeleteObject", resources: [object("x"), object("y&z")] }]);
  });

  it("forwards Expect: 100-continue and aws-chunked streaming uploads intact, and streams the download back", async () => {
    const c = s3();
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    // The SDK sends Expect: 100-continue for bodies over 1 MB.
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "big.bin", Body: big }));
    // A stream of unknown length goes out chunked, as aws-chunked with a trailing checksum.
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "streamed.txt", Body: Readable.from([Buffer.from("hello "), Buffer.from("world")]), ContentLength: 11 }));

    const bigBack = Buffer.from(await (await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "big.bin" }))).Body!.transformToByteArray());
    const streamedBack = await (await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "streamed.txt" }))).Body!.transformToString();
    expect(bigBack.equals(big)).toBe(true);
    expect(streamedBack).toBe("hello world");
    expect(summary(recorder.calls())).toEqual([
      { action: "s3:PutObject", resources: [object("big.bin")] },
      { action: "s3:PutObject", resources: [object("streamed.txt")] },
      { action: "s3:GetObject", resources: [object("big.bin")] },
      { action: "s3:GetObject", resources: [object("streamed.txt")] },
    ]);
  });

  it("records virtual-hosted-style requests (bucket in the Host name) the same way", async () => {
    // Resolve every host name to the recorder, so "landing.localhost" reaches it.
    const lookup = (_host: string, opts: { all?: boolean }, cb: (...args: any[]) => void) =>
      opts.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4);
    const port = new URL(recorder.endpoint).port;
    const c = new S3Client({
      ...via(),
      endpoint: `http://localhost:${port}`,
      forcePathStyle: false,
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup } as http.AgentOptions) }),
    });
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "vh.txt", Body: "v" }));
    await c.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(summary(recorder.calls())).toEqual([
      { action: "s3:PutObject", resources: [object("vh.txt")] },
      { action: "s3:ListBucket", resources: [`arn:aws:s3:::${BUCKET}`] },
    ]);
  });
});

describe("SNS, KMS, CloudWatch and Logs", () => {
  it("records SNS Publish on the topic ARN", async () => {
    const { TopicArn } = await new SNSClient(moto.clientConfig).send(new CreateTopicCommand({ Name: "alarms" }));
    await new SNSClient(via()).send(new PublishCommand({ TopicArn, Message: "hi" }));
    expect(summary(recorder.calls())).toEqual([{ action: "sns:Publish", resources: [TopicArn] }]);
  });

  it("records KMS calls on the key ARN, resolving an alias and a Decrypt that names no key", async () => {
    const kms = (target: string, body: object, principal = "admin") =>
      rawAwsRequest({
        principal,
        signingName: "kms",
        headers: { "x-amz-target": `TrentService.${target}`, "content-type": "application/x-amz-json-1.1" },
        body: JSON.stringify(body),
      }).then((r) => JSON.parse(r.body));
    const { KeyMetadata } = await kms("CreateKey", {});
    await kms("CreateAlias", { AliasName: "alias/ingest", TargetKeyId: KeyMetadata.KeyId });
    recorder.reset();

    const { CiphertextBlob } = await kms("Encrypt", { KeyId: "alias/ingest", Plaintext: Buffer.from("x").toString("base64") }, PRINCIPAL);
    await kms("Decrypt", { CiphertextBlob }, PRINCIPAL);
    await kms("GenerateDataKey", { KeyId: KeyMetadata.KeyId, KeySpec: "AES_256" }, PRINCIPAL);

    expect(summary(recorder.callsOf(PRINCIPAL))).toEqual([
      { action: "kms:Encrypt", resources: [KeyMetadata.Arn] },
      { action: "kms:Decrypt", resources: [KeyMetadata.Arn] },
      { action: "kms:GenerateDataKey", resources: [KeyMetadata.Arn] },
    ]);
  });

  it('records CloudWatch (signing name "monitoring") under the IAM prefix "cloudwatch", on "*"', async () => {
    await rawAwsRequest({
      signingName: "monitoring",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ Action: "PutMetricData", Version: "2010-08-01", Namespace: "Ingest", "MetricData.member.1.MetricName": "n", "MetricData.member.1.Value": "1" }).toString(),
    });
    expect(recorder.calls()).toEqual([expect.objectContaining({ service: "cloudwatch", action: "cloudwatch:PutMetricData", resources: ["*"] })]);
  });

  it("records CloudWatch Logs calls on the log group or log stream ARN", async () => {
    const logs = (target: string, body: object) =>
      rawAwsRequest({ signingName: "logs", headers: { "x-amz-target": `Logs_20140328.${target}`, "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(body) });
    await logs("CreateLogGroup", { logGroupName: "/aws/lambda/consumer" });
    await logs("CreateLogStream", { logGroupName: "/aws/lambda/consumer", logStreamName: "s1" });
    await logs("PutLogEvents", { logGroupName: "/aws/lambda/consumer", logStreamName: "s1", logEvents: [{ timestamp: Date.now(), message: "m" }] });
    const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/consumer`;
    expect(summary(recorder.calls())).toEqual([
      { action: "logs:CreateLogGroup", resources: [group] },
      { action: "logs:CreateLogStream", resources: [`${group}:log-stream:s1`] },
      { action: "logs:PutLogEvents", resources: [`${group}:log-stream:s1`] },
    ]);
  });
});

describe("requests it cannot map", () => {
  it("records them as unknown:<service>:<detail> so a check fails loudly", async () => {
    await rawAwsRequest({
      signingName: "dynamodb",
      headers: { "x-amz-target": "DynamoDB_20120810.ExecuteStatement", "content-type": "application/x-amz-json-1.0" },
      body: JSON.stringify({ Statement: "SELECT * FROM events" }),
    });
    await rawAwsRequest({ signingName: "ec2", body: "Action=DescribeInstances", headers: { "content-type": "application/x-www-form-urlencoded" } });
    const unsigned = await fetch(`${recorder.endpoint}/`, { method: "POST", body: "{}" });
    await unsigned.text();

    const calls = recorder.calls();
    expect(calls.map((c) => c.action)).toEqual([
      expect.stringMatching(/^unknown:dynamodb:ExecuteStatement/),
      expect.stringMatching(/^unknown:ec2:/),
      expect.stringMatching(/^unknown:unsigned:/),
    ]);
    expect(calls[2].principal).toBe("anonymous");
    expect(calls.every((c) => c.resources.length > 0)).toBe(true);
  });
});
