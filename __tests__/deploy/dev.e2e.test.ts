/**
 * Deploy tier and end-to-end run, dev stack, on a fresh moto server, through the commands users
 * type: `cdktf deploy --auto-approve`, then `cdktf destroy --auto-approve`.
 *
 * The end-to-end part drives only what was deployed. Names and ARNs come from `terraform output`
 * and from what the emulator reports of the deployed pieces (function configuration and
 * environment, the event source mapping's settings, each method's authorizer, each integration's
 * templates). The handlers are the bundled zips of the synth output, run in-process with the
 * deployed environment. moto checks no resource-level IAM and runs neither API Gateway nor event
 * source mappings, so the run supplies those parts from the deployed configuration:
 *  - every AWS call is recorded (action + resource ARN) and evaluated against the deployed
 *    policies with a real IAM evaluator;
 *  - API Gateway is played from the deployed API (authorizer, real VTL templates);
 *  - a poller plays Lambda's event source mapping from the deployed mapping's settings.
 * Nothing else in the test writes into AWS: producers send HTTP or use the producer's own key.
 *
 * `npm run e2e` runs this file alone with the steps printed.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

import { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { IAMClient, ListAccessKeysCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import { DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { GetEventSourceMappingCommand, LambdaClient, ListEventSourceMappingsCommand } from "@aws-sdk/client-lambda";
import { DeleteBucketPolicyCommand, GetBucketEncryptionCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";

import { CallRecorder, credentialsFor, startCallRecorder } from "./support/aws-call-recorder";
import { DeployedFunction } from "./support/deployed-function";
import { addressesInState, cdktf, clientConfig, EmulatedDeployment, inventory, leftovers, prepareDeployment, requestedMutation, resourceAddresses } from "./support/emulated-deployment";
import { MOTO_GAPS } from "./support/emulator-gaps";
import { denied, evaluateCalls, formatDenials, PrincipalPolicies, readRolePolicies, readUserPolicies, withImpliedKmsCalls } from "./support/iam-check";
import { InvokeOutcome, KinesisPoller, mappingSettings, PollSummary } from "./support/kinesis-poller";
import { EmulatedRestApi } from "./support/rest-api-gateway";
import { unexplainedChanges } from "./support/terraform";
import { receiveAll } from "../helpers/queues";

const STACK = "streaming-ingest-dev";
const REGION = "us-east-1";
const ACCOUNT = "123456789012"; // moto's account
jest.setTimeout(300_000);

const step = (text: string) => {
  if (process.env.E2E_VERBOSE) process.stdout.write(`\n• ${text}\n`);
};
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe(`deploy tier and end to end: ${STACK} on moto`, () => {
  let deployment: EmulatedDeployment;
  let outputs: Record<string, any>;

  beforeAll(async () => {
    deployment = await prepareDeployment(STACK, { region: REGION, mutation: requestedMutation() });
  });
  afterAll(async () => deployment?.dispose());

  it("deploys with `cdktf deploy --auto-approve`, creating every resource of the stack", async () => {
    step("cdktf deploy --auto-approve against moto");
    await cdktf(deployment, ["deploy", STACK, "--auto-approve", "--skip-synth"]);
    expect(await addressesInState(deployment)).toEqual(resourceAddresses(deployment.json));
    outputs = await deployment.terraform.outputs();
  });

  it("keeps the generated API password out of the state file", async () => {
    const secrets = new SecretsManagerClient(clientConfig(deployment));
    const value = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: outputs.Pipeline_api_credentials_secret_arn }))).SecretString!);
    expect(value.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(fs.readFileSync(deployment.stateFile, "utf8")).not.toContain(value.password);
  });

  it("plans nothing on a second plan (emulator gaps aside)", async () => {
    expect(unexplainedChanges(await deployment.terraform.plan(), MOTO_GAPS)).toEqual([]);
  });

  it("plans nothing after a rotation moved the secret's stages (Terraform does not fight rotation)", async () => {
    step("the moves of a rotation: a new version under AWSPENDING, AWSCURRENT moved to it, AWSPREVIOUS following; then terraform plan");
    const secrets = new SecretsManagerClient(clientConfig(deployment));
    const secretId = outputs.Pipeline_api_credentials_secret_arn;
    const before = (await secrets.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages!;
    const [initial] = Object.entries(before).find(([, stages]) => stages.includes("AWSCURRENT"))!;
    const token = "e2e00000-0000-4000-8000-000000000001";
    const current = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString!);
    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: JSON.stringify({ ...current, password: "R0tatedPassw0rdR0tatedPassw0rd12" }), VersionStages: ["AWSPENDING"] }));
    await secrets.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: "AWSCURRENT", MoveToVersionId: token, RemoveFromVersionId: initial }));
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages![initial]).toEqual(["AWSPREVIOUS"]);
    expect(unexplainedChanges(await deployment.terraform.plan(), MOTO_GAPS)).toEqual([]);
  });

  describe("end to end, on what was deployed", () => {
    let recorder: CallRecorder;
    let api: EmulatedRestApi;
    let consumer: DeployedFunction;
    let poller: KinesisPoller;
    let password: string;
    let username: string;
    const functions = new Map<string, Promise<DeployedFunction>>();
    const accepted: string[] = [];
    /** Poison records put into the stream: the bytes, and why the consumer must park them. */
    const poison: Array<{ bytes: Buffer; reason: string; partitionKey: string }> = [];
    let summary: PollSummary;
    const outcomes: InvokeOutcome[] = [];
    /** The poller's clock runs this far ahead of the wall clock: records age without waiting. */
    let clockAheadMs = 0;
    let deployedMapping: ReturnType<typeof mappingSettings>;
    /** Called after each invocation (the record-age phase moves the clock with it). */
    let afterInvoke: (outcome: InvokeOutcome) => void = () => undefined;

    beforeAll(async () => {
      const cfg = clientConfig(deployment);
      recorder = await startCallRecorder(deployment.moto.endpoint, { accountId: ACCOUNT });
      const assetsDir = path.join(deployment.stackDir, "assets");
      const lambda = new LambdaClient(cfg);
      const load = (arnOrName: string) => {
        if (!functions.has(arnOrName)) functions.set(arnOrName, DeployedFunction.load(lambda, arnOrName, { assetsDir, recorderEndpoint: recorder.endpoint, region: REGION }));
        return functions.get(arnOrName)!;
      };

      // The consumer: whatever function the stream's deployed mapping names.
      const [listed] = (await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: outputs.Pipeline_stream_arn }))).EventSourceMappings ?? [];
      const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: listed.UUID! }));
      consumer = await load(mapping.FunctionArn!);
      // Lambda reads the stream and sends on-failure records with the function's execution role.
      const asConsumer = { ...cfg, endpoint: recorder.endpoint, credentials: credentialsFor(consumer.principal) };
      deployedMapping = mappingSettings(mapping);
      poller = new KinesisPoller(deployedMapping, {
        kinesis: new KinesisClient({ ...asConsumer, requestHandler: new NodeHttpHandler() }),
        sqs: new SQSClient(asConsumer),
        sns: new SNSClient(asConsumer),
        s3: new S3Client({ ...asConsumer, forcePathStyle: true }),
        invoke: async (event) => {
          const outcome = await consumer.invoke(event);
          outcomes.push(outcome);
          afterInvoke(outcome);
          return outcome;
        },
        now: () => new Date(Date.now() + clockAheadMs),
        functionRoleArn: consumer.roleArn,
      });
      await poller.start();
      // moto gap: it enforces a bucket policy's principal-"*" statements but ignores their conditions,
      // so the failure bucket's TLS-only Deny (aws:SecureTransport false) refuses every request
      // over the emulator's plain HTTP. On AWS the consumer and Lambda write over TLS; here the
      // policy is removed so the parked/ objects and on-failure records can be written and read.
      await new S3Client({ ...cfg, forcePathStyle: true }).send(new DeleteBucketPolicyCommand({ Bucket: outputs.Pipeline_failure_bucket }));

      // The API: the deployed REST API and stage the URL output names.
      const url = new URL(outputs.Pipeline_api_url);
      api = await EmulatedRestApi.load(new APIGatewayClient(cfg), {
        restApiId: url.hostname.split(".")[0],
        stageName: url.pathname.replace(/^\//, ""),
        region: REGION,
        accountId: ACCOUNT,
        awsEndpoint: recorder.endpoint,
        functionByArn: load,
      });
      const secret = JSON.parse(
        (await new SecretsManagerClient(cfg).send(new GetSecretValueCommand({ SecretId: outputs.Pipeline_api_credentials_secret_arn, VersionStage: "AWSCURRENT" }))).SecretString!,
      );
      ({ username, password } = secret);
    });

    afterAll(async () => {
      await api?.close();
      for (const fn of functions.values()) await (await fn).close();
      await recorder?.close();
    });

    const submit = (eventId: string, body: unknown, authorization?: string) =>
      fetch(`${api.url}/submit/${outputs.Pipeline_stream_name}/${eventId}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(body),
      });

    it("accepts events over HTTPS-style POST /submit with the right Basic credentials, through the deployed authorizer and template", async () => {
      step(`POST ${api.url}/submit/<stream>/<eventId> ×3 with the secret's credentials`);
      for (const id of ["evt-1", "evt-2", "evt-3"]) {
        const response = await submit(id, { eventId: id, temperature: 21.5, site: "hq" }, basic(username, password));
        const json: any = await response.json();
        expect({ status: response.status, hasSequence: typeof json.sequenceNumber === "string" }).toEqual({ status: 200, hasSequence: true });
        accepted.push(id);
      }
      expect(api.log.filter((l) => l.authorizer === "Allow")).toHaveLength(3);
    });

    it("accepts a batch through POST /streams/{stream}/records (PutRecords)", async () => {
      const response = await fetch(`${api.url}/streams/${outputs.Pipeline_stream_name}/records`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: basic(username, password) },
        body: JSON.stringify({ records: [{ data: { eventId: "evt-4", n: 1 } }, { data: { eventId: "evt-5", n: 2 } }] }),
      });
      const json: any = await response.json();
      expect({ status: response.status, failed: json.failedRecordCount ?? json.FailedRecordCount ?? 0 }).toEqual({ status: 200, failed: 0 });
      accepted.push("evt-4", "evt-5");
    });

    it("refuses a wrong password (403) and a missing one (401), and neither reaches the stream", async () => {
      step("a wrong password, then no Authorization header");
      const wrong = await submit("evt-x", { eventId: "evt-x" }, basic(username, "not-the-password"));
      const missing = await submit("evt-y", { eventId: "evt-y" });
      if (wrong.status !== 403 || missing.status !== 401) {
        throw new Error(`a wrong password was answered ${wrong.status} (not 403) and a missing one ${missing.status} (not 401): ${JSON.stringify(api.log.slice(-2))}`);
      }
      // That neither reached the stream is checked by the table holding exactly the accepted events, below.
      expect(missing.headers.get("www-authenticate")).toMatch(/^Basic/);
    });

    it("accepts a /submit whose path eventId differs from the body's (the consumer parks it: partition-key-mismatch)", async () => {
      step("POST /submit/<stream>/evt-forged with a body claiming eventId evt-victim");
      const body = { eventId: "evt-victim", note: "forged" };
      const response = await submit("evt-forged", body, basic(username, password));
      expect(response.status).toBe(200);
      poison.push({ bytes: Buffer.from(JSON.stringify(body)), reason: "partition-key-mismatch", partitionKey: "evt-forged" });
    });

    it("lets the partner producer put records with its own access key", async () => {
      step("the partner producer puts a good record, a record that is not JSON, invalid UTF-8 and an 800 KB poison record");
      const iam = new IAMClient(clientConfig(deployment));
      const producerName = await userOfAccessKey(iam, outputs.Pipeline_producer_access_key_id);
      const kinesis = new KinesisClient({ ...clientConfig(deployment), endpoint: recorder.endpoint, credentials: credentialsFor(`user/${producerName}`), requestHandler: new NodeHttpHandler() });
      const bad = [
        { bytes: Buffer.from("<xml>not json</xml>"), reason: "invalid-json", partitionKey: "partner" },
        { bytes: Buffer.from([0x7b, 0x22, 0x65, 0x76, 0x65, 0x6e, 0x74, 0x49, 0x64, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), reason: "invalid-utf8", partitionKey: "partner" },
        // Its parking message would pass SQS's 1 MiB (base64 grows it by a third): parked in S3.
        { bytes: Buffer.concat([Buffer.from("<"), Buffer.alloc(800 * 1024, 0x78)]), reason: "invalid-json", partitionKey: "partner-large" },
      ];
      const out = await kinesis.send(
        new PutRecordsCommand({
          StreamName: outputs.Pipeline_stream_name,
          Records: [
            { PartitionKey: "evt-6", Data: Buffer.from(JSON.stringify({ eventId: "evt-6", from: "partner" })) },
            ...bad.map((b) => ({ PartitionKey: b.partitionKey, Data: b.bytes })),
          ],
        }),
      );
      expect(out.FailedRecordCount ?? 0).toBe(0);
      accepted.push("evt-6");
      poison.push(...bad);
    });

    it("delivers the stream to the deployed consumer as the deployed event source mapping says", async () => {
      step("the poller reads the stream with the mapping's settings and invokes the consumer");
      summary = await poller.drain();
      // What Lambda would lose for good, named before any count is compared.
      if (summary.ignoredBatchItemFailures > 0) {
        throw new Error(`the consumer reported ${summary.ignoredBatchItemFailures} failed record(s), but the mapping ignores batch item failures (no ReportBatchItemFailures): they count as processed and are lost`);
      }
      if (summary.discarded > 0) {
        throw new Error(`${summary.discarded} record(s) were discarded after the mapping's retries: it has no on-failure destination`);
      }
      // Every record handled at the first attempt: the accepted events written, the poison parked; nothing given up on.
      expect(summary.recordsDelivered).toBe(accepted.length + poison.length);
      expect(summary.onFailure).toEqual([]);
      expect(outcomes.every((o) => o.ok)).toBe(true);
    });

    it("writes exactly the accepted events to the table, with their fields", async () => {
      const items = ((await new DynamoDBClient(clientConfig(deployment)).send(new ScanCommand({ TableName: outputs.Pipeline_table_name }))).Items ?? []).map((i) => unmarshall(i));
      expect(items.map((i) => i.eventId).sort()).toEqual([...accepted].sort());
      expect(items.find((i) => i.eventId === "evt-1")).toMatchObject({ temperature: 21.5, site: "hq" });
      expect(items.find((i) => i.eventId === "evt-6")).toMatchObject({ from: "partner" });
    });

    it("parks every poison record at once in the deployed parking queue, byte-exact (an 800 KB one in the failure bucket under parked/)", async () => {
      step("the parking queue holds each poison record with its exact bytes, reason, partition key and place in the stream");
      const parked = await receiveAll(new SQSClient(clientConfig(deployment)), outputs.Pipeline_parking_queue_url);
      const s3 = new S3Client({ ...clientConfig(deployment), forcePathStyle: true });
      const got: Array<{ bytes: Buffer; reason: string; partitionKey: string }> = [];
      for (const m of parked) {
        expect(m).toMatchObject({ version: 1, streamArn: outputs.Pipeline_stream_arn, shardId: expect.stringMatching(/^shardId-/), sequenceNumber: expect.stringMatching(/^\d+$/) });
        let bytes: Buffer;
        if (m.payloadObject) {
          expect(m.payloadObject).toMatchObject({ bucket: outputs.Pipeline_failure_bucket, key: expect.stringMatching(/^parked\//) });
          const object = await s3.send(new GetObjectCommand({ Bucket: m.payloadObject.bucket, Key: m.payloadObject.key }));
          bytes = Buffer.from(await object.Body!.transformToByteArray());
        } else {
          bytes = Buffer.from(m.payload, "base64");
        }
        expect(createHash("sha256").update(bytes).digest("hex")).toBe(m.payloadSha256);
        got.push({ bytes, reason: m.reason, partitionKey: m.partitionKey });
      }
      const key = (p: { bytes: Buffer; reason: string; partitionKey: string }) => `${p.reason}|${p.partitionKey}|${p.bytes.toString("hex")}`;
      expect(got.map(key).sort()).toEqual(poison.map(key).sort());
      expect(parked.filter((m) => m.payloadObject)).toHaveLength(1);
    });

    it("absorbs a throttling burst inside the invocation, and reports a record whose writes keep failing on the network for retry, then writes it", async () => {
      step("throttling burst (6 PutItem calls refused with ProvisionedThroughputExceeded), then 5 connection resets");
      const iam = new IAMClient(clientConfig(deployment));
      const producerName = await userOfAccessKey(iam, outputs.Pipeline_producer_access_key_id);
      const kinesis = new KinesisClient({ ...clientConfig(deployment), endpoint: recorder.endpoint, credentials: credentialsFor(`user/${producerName}`), requestHandler: new NodeHttpHandler() });
      const putOne = (eventId: string) =>
        kinesis.send(new PutRecordsCommand({ StreamName: outputs.Pipeline_stream_name, Records: [{ PartitionKey: eventId, Data: Buffer.from(JSON.stringify({ eventId, phase: "transient" })) }] }));
      let throttles = 6;
      recorder.inject(({ principal, target }) => (principal === consumer.principal && target.endsWith(".PutItem") && throttles-- > 0 ? "throttling" : undefined));
      outcomes.length = 0;
      await putOne("evt-throttled");
      const burst = await poller.drain();
      expect({ outcomes: outcomes.map((o) => (o.ok ? (o.payload as any)?.batchItemFailures?.length ?? 0 : o.errorType)), delivered: burst.recordsDelivered, throttles: Math.max(throttles, 0) }).toEqual({ outcomes: [0], delivered: 1, throttles: 0 });

      let resets = 5;
      recorder.inject(({ principal, target }) => (principal === consumer.principal && target.endsWith(".PutItem") && resets-- > 0 ? "connection-reset" : undefined));
      outcomes.length = 0;
      const [put] = (await putOne("evt-reset")).Records!;
      const phase = await poller.drain();
      recorder.inject(undefined);
      if (phase.ignoredBatchItemFailures > 0) {
        throw new Error(`the consumer reported ${phase.ignoredBatchItemFailures} failed record(s), but the mapping ignores batch item failures (no ReportBatchItemFailures): they count as processed and are lost`);
      }
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect((outcomes[0] as any).payload.batchItemFailures).toEqual([{ itemIdentifier: put.SequenceNumber }]);
      expect(phase).toMatchObject({ recordsDelivered: 1, onFailure: [], discarded: 0 });
      accepted.push("evt-throttled", "evt-reset");
      const items = ((await new DynamoDBClient(clientConfig(deployment)).send(new ScanCommand({ TableName: outputs.Pipeline_table_name }))).Items ?? []).map((i) => unmarshall(i));
      expect(items.filter((i) => i.phase === "transient").map((i) => i.eventId).sort()).toEqual(["evt-reset", "evt-throttled"]);
    });

    it("fails invocations instead of parking while the table refuses the consumer (AccessDenied), and writes the record once it is allowed again", async () => {
      step("AccessDenied phase: the consumer's PutItem is refused three times, then allowed");
      let refusals = 3;
      recorder.inject(({ principal, target }) => (principal === consumer.principal && target.endsWith(".PutItem") && refusals-- > 0 ? "access-denied" : undefined));
      outcomes.length = 0;
      const iam = new IAMClient(clientConfig(deployment));
      const producerName = await userOfAccessKey(iam, outputs.Pipeline_producer_access_key_id);
      const kinesis = new KinesisClient({ ...clientConfig(deployment), endpoint: recorder.endpoint, credentials: credentialsFor(`user/${producerName}`), requestHandler: new NodeHttpHandler() });
      await kinesis.send(new PutRecordsCommand({ StreamName: outputs.Pipeline_stream_name, Records: [{ PartitionKey: "evt-7", Data: Buffer.from(JSON.stringify({ eventId: "evt-7", phase: "denied" })) }] }));
      const phase = await poller.drain();
      recorder.inject(undefined);
      accepted.push("evt-7");
      expect(outcomes.map((o) => (o.ok ? "ok" : o.errorType))).toEqual(["AccessDeniedException", "AccessDeniedException", "AccessDeniedException", "ok"]);
      expect(phase).toMatchObject({ recordsDelivered: 1, onFailure: [], discarded: 0 });
      expect(await receiveAll(new SQSClient(clientConfig(deployment)), outputs.Pipeline_parking_queue_url)).toEqual([]);
      const items = ((await new DynamoDBClient(clientConfig(deployment)).send(new ScanCommand({ TableName: outputs.Pipeline_table_name }))).Items ?? []).map((i) => unmarshall(i));
      expect(items.find((i) => i.eventId === "evt-7")).toMatchObject({ phase: "denied" });
    });

    it("keeps retrying a record the deployment cannot write until it is an hour from expiry, then keeps it, payload included, in the S3 failure bucket", async () => {
      step("record-age phase: PutItem refused throughout; the clock moves past the mapping's maximum record age");
      recorder.inject(({ principal, target }) => (principal === consumer.principal && target.endsWith(".PutItem") ? "access-denied" : undefined));
      outcomes.length = 0;
      const settings = deployedMapping;
      expect(settings).toMatchObject({ maximumRetryAttempts: -1, maximumRecordAgeInSeconds: 23 * 3600 });
      afterInvoke = () => {
        if (outcomes.length === 2) clockAheadMs = (settings.maximumRecordAgeInSeconds + 60) * 1000;
      };
      const iam = new IAMClient(clientConfig(deployment));
      const producerName = await userOfAccessKey(iam, outputs.Pipeline_producer_access_key_id);
      const kinesis = new KinesisClient({ ...clientConfig(deployment), endpoint: recorder.endpoint, credentials: credentialsFor(`user/${producerName}`), requestHandler: new NodeHttpHandler() });
      const bytes = Buffer.from(JSON.stringify({ eventId: "evt-8", phase: "expired" }));
      await kinesis.send(new PutRecordsCommand({ StreamName: outputs.Pipeline_stream_name, Records: [{ PartitionKey: "evt-8", Data: bytes }] }));
      const phase = await poller.drain();
      recorder.inject(undefined);
      afterInvoke = () => undefined;
      expect(outcomes.map((o) => (o.ok ? "ok" : o.errorType))).toEqual(["AccessDeniedException", "AccessDeniedException"]);
      if (phase.discarded > 0) throw new Error(`${phase.discarded} record(s) were discarded after the mapping's record age ran out: it has no on-failure destination`);
      expect(phase.onFailure).toEqual([expect.objectContaining({ condition: "RecordAgeExceeded", batchSize: 1, destination: `arn:aws:s3:::${outputs.Pipeline_failure_bucket}` })]);
      const s3 = new S3Client({ ...clientConfig(deployment), forcePathStyle: true });
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: outputs.Pipeline_failure_bucket, Prefix: "aws/lambda/" }));
      expect(listed.Contents ?? []).toHaveLength(1);
      const object = await s3.send(new GetObjectCommand({ Bucket: outputs.Pipeline_failure_bucket, Key: listed.Contents![0].Key! }));
      const record = JSON.parse(await object.Body!.transformToString());
      expect(Buffer.from(record.payload.Records[0].kinesis.data, "base64")).toEqual(bytes);
    });

    it("makes no AWS call that the deployed IAM policies do not allow (functions, the API's role, the producer)", async () => {
      step("every recorded call, evaluated against the deployed policies");
      const cfg = clientConfig(deployment);
      const iam = new IAMClient(cfg);
      const calls = recorder.calls();
      const principals: Record<string, PrincipalPolicies> = {};
      for (const principal of new Set(calls.map((c) => c.principal))) {
        const [kind, name] = principal.split("/");
        if (kind === "role") principals[principal] = await readRolePolicies(iam, name);
        if (kind === "user") principals[principal] = await readUserPolicies(iam, name);
      }
      // Each kind of caller made calls: a missing grant anywhere shows up as a denial below.
      expect(Object.keys(principals).length).toBeGreaterThanOrEqual(4);
      // The consumer's parking calls among them (a client bypassing the recorder would escape the check).
      const consumerActions = new Set(recorder.callsOf(consumer.principal).map((c) => c.action));
      expect(["sqs:SendMessage", "s3:PutObject", "dynamodb:PutItem"].filter((a) => !consumerActions.has(a))).toEqual([]);
      const keys = await customerKeysOf(cfg, outputs);
      const verdicts = await evaluateCalls(withImpliedKmsCalls(calls, keyOfResource(keys)), principals);
      const denials = denied(verdicts);
      if (denials.length > 0) throw new Error(`denied by the deployed IAM policies:\n${formatDenials(denials)}`);
      expect(verdicts.length).toBeGreaterThan(0);
    });
  });

  it("destroys with `cdktf destroy --auto-approve`, leaving nothing behind", async () => {
    step("cdktf destroy --auto-approve");
    await cdktf(deployment, ["destroy", STACK, "--auto-approve", "--skip-synth"]);
    expect(await deployment.terraform.stateList()).toEqual([]);
    expect(leftovers(await inventory(deployment))).toEqual({});
  });
});

/** The IAM user an access key belongs to, as the emulator knows it. */
async function userOfAccessKey(iam: IAMClient, accessKeyId: string | undefined): Promise<string> {
  for (const user of (await iam.send(new ListUsersCommand({}))).Users ?? []) {
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: user.UserName! }))).AccessKeyMetadata ?? [];
    if (keys.some((k) => k.AccessKeyId === accessKeyId)) return user.UserName!;
  }
  throw new Error(`no IAM user has access key ${accessKeyId}`);
}

/**
 * The customer-managed KMS key of each deployed resource whose use implies KMS calls with the
 * caller's permissions (the stream, the credentials secret, the parking queue, the failure bucket). AWS-managed keys
 * (alias/aws/*) are left out: their key policies grant every principal of the account.
 */
async function customerKeysOf(cfg: ReturnType<typeof clientConfig>, outputs: Record<string, any>): Promise<Map<string, string>> {
  const kms = new KMSClient(cfg);
  const keys = new Map<string, string>();
  const addIfCustomer = async (resourceArn: string, keyId: string | undefined) => {
    if (!keyId || keyId.startsWith("alias/aws/")) return;
    const meta = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    if (meta?.KeyManager === "CUSTOMER") keys.set(resourceArn, meta.Arn!);
  };
  const stream = await new KinesisClient({ ...cfg, requestHandler: new NodeHttpHandler() }).send(new DescribeStreamSummaryCommand({ StreamName: outputs.Pipeline_stream_name }));
  await addIfCustomer(outputs.Pipeline_stream_arn, stream.StreamDescriptionSummary?.KeyId);
  const secret = await new SecretsManagerClient(cfg).send(new DescribeSecretCommand({ SecretId: outputs.Pipeline_api_credentials_secret_arn }));
  await addIfCustomer(secret.ARN!, secret.KmsKeyId);
  const queue = await new SQSClient(cfg).send(new GetQueueAttributesCommand({ QueueUrl: outputs.Pipeline_parking_queue_url, AttributeNames: ["QueueArn", "KmsMasterKeyId"] }));
  await addIfCustomer(queue.Attributes!.QueueArn!, queue.Attributes!.KmsMasterKeyId);
  const encryption = await new S3Client({ ...cfg, forcePathStyle: true }).send(new GetBucketEncryptionCommand({ Bucket: outputs.Pipeline_failure_bucket }));
  await addIfCustomer(`arn:aws:s3:::${outputs.Pipeline_failure_bucket}`, encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID);
  return keys;
}

/** The key of a resource's ARN, an S3 object's being its bucket's. */
function keyOfResource(keys: Map<string, string>): (arn: string) => string | undefined {
  return (arn) => keys.get(arn) ?? (arn.startsWith("arn:aws:s3:::") ? keys.get(arn.split("/")[0]) : undefined);
}

