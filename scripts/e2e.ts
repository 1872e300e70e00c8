/**
 * `npm run e2e`: the pipeline end to end on this machine, against moto server.
 *  1. synthesizes the app and reads the dev stack's names and settings (nothing is repeated here);
 *  2. creates the stream, table, failure queue and credentials secret in moto with them;
 *  3. serves the API on loopback: each request goes through the real authorizer handler, then the
 *     API's own PutRecord mapping template is rendered and sent to Kinesis;
 *  4. reads the records back with GetRecords and invokes the real consumer handler with them;
 *  5. checks the items in the table, a poison record in the failure queue, and that a wrong
 *     password never reaches the stream.
 * Exits non-zero on the first failed check. Usage: node scripts/run-ts.js scripts/e2e.ts
 */
import * as http from "http";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { CreateTableCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { projectRoot } from "../modules/bundling";
import { startMoto } from "../__tests__/helpers/moto";
import { lambdaContext } from "../__tests__/helpers/kinesis";

const root = projectRoot();
const STACK = "streaming-ingest-dev";
let step = 0;
let passed = 0;
const say = (text: string) => console.log(`\n${++step}. ${text}`);
const detail = (text: string) => console.log(`   ${text}`);
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`FAILED: ${what}\ne2e: ${passed} passed, 1 failed`);
  passed++;
  detail(`✓ ${what}`);
}

/** The one resource of a type in the stack whose construct path contains `pathPart`. */
function resourceOf(stack: any, type: string, pathPart: string): any {
  const found = Object.values<any>(stack.resource[type] ?? {}).filter((r) => r["//"].metadata.path.includes(pathPart));
  if (found.length !== 1) throw new Error(`expected one ${type} under ${pathPart}, found ${found.length}`);
  return found[0];
}

/**
 * Renders an API Gateway request template, supporting exactly the VTL the ingest API's PutRecord
 * template uses; anything else is an error, so a changed template cannot pass unnoticed.
 */
export function renderRequestTemplate(template: string, params: Record<string, string>, body: string): string {
  const escapeJs = (s: string) => JSON.stringify(s).slice(1, -1);
  const rendered = template
    .replace(/\$util\.escapeJavaScript\(\$input\.params\('(\w+)'\)\)/g, (_, p: string) => escapeJs(params[p] ?? ""))
    .replace(/\$util\.base64Encode\(\$input\.body\)/g, () => Buffer.from(body, "utf8").toString("base64"));
  if (rendered.includes("$")) throw new Error(`the template uses VTL this harness does not render: ${rendered}`);
  return rendered;
}

async function main(): Promise<void> {
  say(`Synthesize the app and read stack ${STACK}`);
  const outdir = fs.mkdtempSync(path.join(require("os").tmpdir(), "e2e-synth-"));
  execFileSync(process.execPath, [path.join(root, "scripts", "app.js")], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" } });
  const stack = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", STACK, "cdk.tf.json"), "utf8"));
  fs.rmSync(outdir, { recursive: true, force: true });
  const streamRes = resourceOf(stack, "aws_kinesis_stream", "/Stream/");
  const tableRes = resourceOf(stack, "aws_dynamodb_table", "/Table/");
  const queueRes = resourceOf(stack, "aws_sqs_queue", "/Consumer/");
  const secretRes = resourceOf(stack, "aws_secretsmanager_secret", "/Api/");
  const consumerFn = resourceOf(stack, "aws_lambda_function", "/Consumer/");
  const authorizerFn = resourceOf(stack, "aws_lambda_function", "/Api/");
  const putRecord = Object.values<any>(stack.resource.aws_api_gateway_integration).find((i) => i.uri.endsWith("action/PutRecord"));
  const template: string = putRecord.request_templates["application/json"];
  const mapping = resourceOf(stack, "aws_lambda_event_source_mapping", "/Consumer/");
  detail(`stream ${streamRes.name} (${streamRes.shard_count} shard, ${streamRes.retention_period} h), table ${tableRes.name} (key ${tableRes.hash_key})`);
  detail(`failure queue ${queueRes.name} (${queueRes.message_retention_seconds} s), secret ${secretRes.name}, consumer batch ${mapping.batch_size}`);

  const moto = await startMoto();
  const gatewayServer = http.createServer();
  try {
    const cfg = moto.clientConfig;
    // The Kinesis client defaults to HTTP/2 (for SubscribeToShard); moto speaks HTTP/1.1.
    const kinesis = new KinesisClient({ ...cfg, requestHandler: new NodeHttpHandler() });
    const dynamodb = new DynamoDBClient(cfg);
    const sqs = new SQSClient(cfg);
    const secrets = new SecretsManagerClient(cfg);

    say("Create the stack's stream, table, failure queue and secret in moto server");
    await kinesis.send(new CreateStreamCommand({ StreamName: streamRes.name, ShardCount: streamRes.shard_count }));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableRes.name,
        KeySchema: [{ AttributeName: tableRes.hash_key, KeyType: "HASH" }],
        AttributeDefinitions: tableRes.attribute.map((a: any) => ({ AttributeName: a.name, AttributeType: a.type })),
        BillingMode: tableRes.billing_mode,
      }),
    );
    await sqs.send(new CreateQueueCommand({ QueueName: queueRes.name, Attributes: { MessageRetentionPeriod: String(queueRes.message_retention_seconds) } }));
    const password = "e2e-" + Math.random().toString(36).slice(2, 14);
    const username = "ingest";
    const secret = await secrets.send(new CreateSecretCommand({ Name: secretRes.name, SecretString: JSON.stringify({ username, password }) }));
    detail(`moto server on ${moto.endpoint}; secret ${secret.ARN}`);

    // The handlers, configured as the stack configures them, with AWS pointed at moto.
    Object.assign(process.env, {
      AWS_REGION: cfg.region,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_ENDPOINT_URL: moto.endpoint,
      POWERTOOLS_LOG_LEVEL: "WARN",
      ...authorizerFn.environment.variables,
      ...consumerFn.environment.variables,
      SECRET_ID: secret.ARN!, // the stack's reference to the secret, resolved
    });
    const authorizer = require("../lambda-src/authorizer/index").handler;
    const consumer = require("../lambda-src/stream-consumer/index").handler;

    say("Serve the API on loopback: authorizer, then the API's PutRecord mapping template into Kinesis");
    gatewayServer.on("request", (req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", async () => {
        const m = /^\/submit\/([^/]+)\/([^/]+)$/.exec(req.url ?? "");
        if (req.method !== "POST" || !m) return void res.writeHead(404).end();
        const methodArn = `arn:aws:execute-api:${cfg.region}:123456789012:local/prod/POST/submit/${m[1]}/${m[2]}`;
        const decision = await authorizer({ type: "REQUEST", methodArn, headers: { Authorization: req.headers.authorization ?? "" }, requestContext: { requestId: "e2e" } });
        if (decision.policyDocument.Statement[0].Effect !== "Allow") {
          return void res.writeHead(403, { "content-type": "application/json" }).end('{"error":"Forbidden"}');
        }
        const request = JSON.parse(renderRequestTemplate(template, { streamName: decodeURIComponent(m[1]), eventId: decodeURIComponent(m[2]) }, body));
        const out = await kinesis.send(new PutRecordCommand({ StreamName: request.StreamName, PartitionKey: request.PartitionKey, Data: Buffer.from(request.Data, "base64") }));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sequenceNumber: out.SequenceNumber, shardId: out.ShardId }));
      });
    });
    await new Promise<void>((r) => gatewayServer.listen(0, "127.0.0.1", r));
    const api = `http://127.0.0.1:${(gatewayServer.address() as any).port}`;
    detail(`API on ${api}`);
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
    const post = (eventId: string, event: object, auth: string) =>
      fetch(`${api}/submit/${streamRes.name}/${eventId}`, { method: "POST", headers: { Authorization: auth, "content-type": "application/json" }, body: JSON.stringify(event) });

    say("Send three events over HTTP with the right Basic credentials");
    for (const id of ["evt-1", "evt-2", "evt-3"]) {
      const r = await post(id, { eventId: id, temperature: 21.5, site: "hq" }, basic(username, password));
      const json: any = await r.json();
      check(r.status === 200 && !!json.sequenceNumber, `${id}: HTTP ${r.status}, sequence ${json.sequenceNumber?.slice(0, 12)}…`);
    }

    say("Send an event with a wrong password");
    const denied = await post("evt-x", { eventId: "evt-x" }, basic(username, "not-the-password"));
    check(denied.status === 403, `HTTP ${denied.status}, the authorizer denied it`);

    say("A partner writes a poison record (not JSON) straight into the stream");
    await kinesis.send(new PutRecordCommand({ StreamName: streamRes.name, PartitionKey: "partner", Data: Buffer.from("<xml>not json</xml>") }));
    detail("PutRecord accepted");

    say("Read the stream back with GetRecords");
    const records: KinesisStreamRecord[] = [];
    const streamArn = `arn:aws:kinesis:${cfg.region}:123456789012:stream/${streamRes.name}`;
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: streamRes.name }));
    for (const shard of shards.Shards ?? []) {
      const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: streamRes.name, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }));
      const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
      for (const r of got.Records ?? []) {
        records.push({
          eventSource: "aws:kinesis",
          eventVersion: "1.0",
          eventID: `${shard.ShardId}:${r.SequenceNumber}`,
          eventName: "aws:kinesis:record",
          invokeIdentityArn: "arn:aws:iam::123456789012:role/consumer",
          awsRegion: cfg.region,
          eventSourceARN: streamArn,
          kinesis: {
            kinesisSchemaVersion: "1.0",
            partitionKey: r.PartitionKey!,
            sequenceNumber: r.SequenceNumber!,
            data: Buffer.from(r.Data!).toString("base64"),
            approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
          },
        });
      }
    }
    check(records.length === 4, `${records.length} records: the 3 events and the poison record, none from the wrong password`);
    const fromApi = records.filter((r) => r.kinesis.partitionKey.startsWith("evt-"));
    check(
      fromApi.every((r) => JSON.parse(Buffer.from(r.kinesis.data, "base64").toString()).eventId === r.kinesis.partitionKey),
      "each event is partitioned by its eventId, its body intact (the mapping template's work)",
    );

    say("Invoke the consumer handler with the Kinesis event");
    const event: KinesisStreamEvent = { Records: records };
    const response = await consumer(event, lambdaContext(60_000));
    const poison = records.find((r) => r.kinesis.partitionKey === "partner")!;
    check(
      response.batchItemFailures.length === 1 && response.batchItemFailures[0].itemIdentifier === poison.kinesis.sequenceNumber,
      `partial batch response reports exactly the poison record (${poison.kinesis.sequenceNumber.slice(0, 12)}…)`,
    );

    say("Check the table");
    const scan = await dynamodb.send(new ScanCommand({ TableName: tableRes.name }));
    const items = (scan.Items ?? []).map((i) => unmarshall(i));
    check(items.length === 3 && ["evt-1", "evt-2", "evt-3"].every((id) => items.some((i) => i.eventId === id && i.temperature === 21.5)), "the 3 events are items, with their fields");

    say("The poison record reaches the failure queue");
    detail("(moto runs no event source mappings: the harness sends the on-failure record Lambda sends after the retries)");
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueRes.name }))).QueueUrl!;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({
          requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: mapping.maximum_retry_attempts + 1 },
          responseContext: { statusCode: 200, functionError: null },
          version: "1.0",
          timestamp: new Date().toISOString(),
          KinesisBatchInfo: {
            shardId: poison.eventID.split(":")[0],
            startSequenceNumber: poison.kinesis.sequenceNumber,
            endSequenceNumber: poison.kinesis.sequenceNumber,
            batchSize: 1,
            streamArn,
          },
        }),
      }),
    );
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const info = JSON.parse(received.Messages?.[0]?.Body ?? "{}").KinesisBatchInfo;
    check(info?.startSequenceNumber === poison.kinesis.sequenceNumber, `the failure queue names the poison record's shard and sequence number (${info?.shardId})`);

    say("Replay the same batch (what Lambda does after a failure)");
    const replay = await consumer(event, lambdaContext(60_000));
    const after = ((await dynamodb.send(new ScanCommand({ TableName: tableRes.name }))).Items ?? []).map((i) => unmarshall(i));
    check(replay.batchItemFailures.length === 1 && JSON.stringify(after) === JSON.stringify(items), "nothing changes: still 3 items, same contents");

    console.log(`\nEnd-to-end run passed.\ne2e: ${passed} passed, 0 failed`);
  } finally {
    gatewayServer.close();
    await moto.stop();
  }
}

if (process.argv[1] === __filename) {
  main().catch((e) => {
    console.error(`\n${(e as Error).message}`);
    process.exit(1);
  });
}
