import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ChangeMessageVisibilityCommand, CreateQueueCommand, Message, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { KinesisStreamRecord } from "aws-lambda";
import { createHash, randomUUID } from "crypto";
import type { MotoServer } from "./moto";

export interface ParkingFixture {
  clients: { kinesis: KinesisClient; sqs: SQSClient; s3: S3Client };
  stream: string;
  streamArn: string;
  queueUrl: string;
  failureQueueUrl: string;
  bucket: string;
}

/** A fresh stream (one shard), parking queue, SQS on-failure queue and failure bucket on moto. */
export async function parkingFixture(moto: MotoServer): Promise<ParkingFixture> {
  const id = randomUUID().slice(0, 8);
  const clients = {
    kinesis: new KinesisClient({ ...moto.clientConfig, requestHandler: new NodeHttpHandler() }),
    sqs: new SQSClient(moto.clientConfig),
    s3: new S3Client({ ...moto.clientConfig, forcePathStyle: true }),
  };
  const stream = `events-${id}`;
  await clients.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  const { QueueUrl: queueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: `parking-${id}` }));
  const { QueueUrl: failureQueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: `failure-${id}` }));
  const bucket = `failure-${id}`;
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: moto.clientConfig.region as any } }));
  return { clients, stream, streamArn: `arn:aws:kinesis:${moto.clientConfig.region}:123456789012:stream/${stream}`, queueUrl: queueUrl!, failureQueueUrl: failureQueueUrl!, bucket };
}

export const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

export interface StreamRecord {
  partitionKey: string;
  data: Buffer;
  sequenceNumber: string;
  /** Epoch seconds, as in the Kinesis Lambda event. */
  arrival: number;
}

/** Every record in the stream, oldest first. */
export async function streamRecords(f: ParkingFixture): Promise<StreamRecord[]> {
  const { Shards } = await f.clients.kinesis.send(new ListShardsCommand({ StreamName: f.stream }));
  const records: StreamRecord[] = [];
  for (const shard of Shards ?? []) {
    let { ShardIterator: iterator } = await f.clients.kinesis.send(new GetShardIteratorCommand({ StreamName: f.stream, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }));
    for (;;) {
      const out = await f.clients.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (!out.Records?.length) break;
      records.push(
        ...out.Records.map((r) => ({ partitionKey: r.PartitionKey!, data: Buffer.from(r.Data!), sequenceNumber: r.SequenceNumber!, arrival: r.ApproximateArrivalTimestamp!.getTime() / 1000 })),
      );
      iterator = out.NextShardIterator;
    }
  }
  return records;
}

/** Puts a record into the stream; its shard and sequence number as Kinesis gave them. */
export async function putIntoStream(f: ParkingFixture, partitionKey: string, data: Buffer) {
  const out = await f.clients.kinesis.send(new PutRecordCommand({ StreamName: f.stream, PartitionKey: partitionKey, Data: data }));
  return { shardId: out.ShardId!, sequenceNumber: out.SequenceNumber! };
}

/** The visible messages of a queue, made visible again afterwards. */
export async function messagesIn(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const all = new Map<string, Message>();
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0 }));
    if (!out.Messages?.length) break;
    out.Messages.forEach((m) => all.set(m.MessageId!, m));
  }
  for (const m of all.values()) await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
  return [...all.values()];
}

export const send = (sqs: SQSClient, queueUrl: string, body: unknown) =>
  sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: typeof body === "string" ? body : JSON.stringify(body) }));

export const putObject = (f: ParkingFixture, key: string, body: Buffer | string) => f.clients.s3.send(new PutObjectCommand({ Bucket: f.bucket, Key: key, Body: body }));

export async function objectKeys(f: ParkingFixture, prefix: string): Promise<string[]> {
  const out = await f.clients.s3.send(new ListObjectsV2Command({ Bucket: f.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

export async function objectBytes(f: ParkingFixture, key: string): Promise<Buffer> {
  const out = await f.clients.s3.send(new GetObjectCommand({ Bucket: f.bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** A parking message as the contract (docs: parking-contract.md) defines it, payload inline. */
export function parkingMessage(record: { partitionKey: string; sequenceNumber: string; payload: Buffer; streamArn: string; arrival?: number }) {
  return {
    version: 1,
    reason: "invalid-json",
    detail: "Unexpected token at position 0",
    streamArn: record.streamArn,
    shardId: "shardId-000000000000",
    sequenceNumber: record.sequenceNumber,
    partitionKey: record.partitionKey,
    approximateArrivalTimestamp: record.arrival ?? 1767225600.123,
    payload: record.payload.toString("base64"),
    payloadSha256: sha256(record.payload),
    parkedAt: "2026-11-23T20:00:00.000Z",
  };
}

/**
 * The invocation record Lambda writes to an S3 on-failure destination for a Kinesis source
 * (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html): the pointer
 * metadata plus the whole event in "payload", as a JSON string (floci) or object (LocalStack).
 */
export function lambdaS3FailureObject(streamArn: string, records: KinesisStreamRecord[], payloadAs: "string" | "object" = "string") {
  const event = { Records: records };
  const batch = { shardId: "shardId-000000000000", start: records[0].kinesis.sequenceNumber, end: records[records.length - 1].kinesis.sequenceNumber, batchSize: records.length };
  return JSON.stringify({ ...failurePointer(streamArn, batch), payload: payloadAs === "string" ? JSON.stringify(event) : event });
}

/** The S3 key Lambda uses: aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>. */
export const lambdaFailureKey = () => `aws/lambda/${randomUUID()}/shardId-000000000000/2026/11/23/2026-11-23T20.00.00-${randomUUID()}`;

/** The pointer Lambda sends an SQS on-failure destination (same page): metadata only. */
export function failurePointer(streamArn: string, batch: { shardId: string; start: string; end: string; batchSize: number }) {
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: "arn:aws:lambda:eu-west-1:123456789012:function:consumer",
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 3,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    version: "1.0",
    timestamp: "2026-11-23T20:00:00.021Z",
    KinesisBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: batch.start,
      endSequenceNumber: batch.end,
      approximateArrivalOfFirstRecord: "2026-11-23T19:59:58.835Z",
      approximateArrivalOfLastRecord: "2026-11-23T19:59:59.580Z",
      batchSize: batch.batchSize,
      streamArn,
    },
  };
}
