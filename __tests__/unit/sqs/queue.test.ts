import { TerraformOutput } from "cdktf";
import { Duration, EncryptionKey, Queue, Role, Trust } from "../../../modules";
import { newStack, onlyResource, policyOf, synth } from "../../helpers/synth";

const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/q";

function withRole() {
  const { stack } = newStack();
  const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
  return { stack, role, statements: () => policyOf(onlyResource(synth(stack), "aws_iam_role_policy")).Statement };
}

describe("Queue", () => {
  it("is encrypted with SSE-SQS and keeps SQS's retention by default, named from its path", () => {
    const { stack } = newStack();
    new Queue(stack, "Jobs");
    const queue = onlyResource(synth(stack), "aws_sqs_queue");
    expect(queue).toEqual({ name: expect.stringMatching(/^test-Jobs-[0-9a-f]{8}$/), sqs_managed_sse_enabled: true });
  });

  it("takes a name, a retention period and a customer key (then SSE-KMS, not SSE-SQS)", () => {
    const { stack } = newStack();
    new Queue(stack, "Jobs", { queueName: "jobs", retentionPeriod: Duration.days(14), encryptionKey: EncryptionKey.fromKeyArn(KEY_ARN) });
    expect(onlyResource(synth(stack), "aws_sqs_queue")).toEqual({ name: "jobs", message_retention_seconds: 1209600, kms_master_key_id: KEY_ARN });
  });

  it("has the address of its own path: the SqsQueue is its default child", () => {
    const { stack } = newStack();
    new Queue(stack, "Jobs", { queueName: "jobs" });
    expect(Object.keys(synth(stack).resource.aws_sqs_queue)).toEqual(["Jobs"]);
  });

  it.each([
    ["a retention under a minute", { retentionPeriod: Duration.seconds(59) }, "test/Jobs: retentionPeriod must be a whole number from 60 to 1209600 seconds; got 59 (59 seconds)"],
    ["a retention over 14 days", { retentionPeriod: Duration.days(15) }, "retentionPeriod must be a whole number from 60 to 1209600 seconds; got 1296000 (15 days)"],
    ["a name with a dot", { queueName: "jobs.fifo" }, 'test/Jobs: queueName must be 1–80 characters of [a-zA-Z0-9_-]; got "jobs.fifo"'],
  ])("rejects %s", (_label, props, message) => {
    expect(() => new Queue(newStack().stack, "Jobs", props)).toThrow(message);
  });

  it("grants sending: SendMessage on the queue, and on a customer key what a producer needs", () => {
    const { stack, role, statements } = withRole();
    new Queue(stack, "Jobs", { queueName: "jobs", encryptionKey: EncryptionKey.fromKeyArn(KEY_ARN) }).grantSendMessages(role);
    expect(statements()).toEqual([
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: "${aws_sqs_queue.Jobs.arn}" },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN },
    ]);
  });

  it("grants consuming: receive, delete, visibility and attributes on the queue, decrypt on its key", () => {
    const { stack, role, statements } = withRole();
    new Queue(stack, "Jobs", { queueName: "jobs", encryptionKey: EncryptionKey.fromKeyArn(KEY_ARN) }).grantConsumeMessages(role);
    expect(statements()).toEqual([
      {
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        Resource: "${aws_sqs_queue.Jobs.arn}",
      },
      { Effect: "Allow", Action: "kms:Decrypt", Resource: KEY_ARN },
    ]);
  });

  it("measures the messages waiting (Maximum)", () => {
    const { stack } = newStack();
    const metric = new Queue(stack, "Jobs").metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) });
    expect(metric).toMatchObject({ namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", statistic: "Maximum" });
    expect(metric.period.toSeconds()).toBe(60);
    new TerraformOutput(stack, "dimensions", { value: metric.dimensions });
    expect(synth(stack).output!.dimensions.value).toEqual({ QueueName: "${aws_sqs_queue.Jobs.name}" });
  });
});

describe("Queue.fromQueueArn", () => {
  it("derives the name and URL from the ARN and creates nothing", () => {
    const { stack } = newStack();
    const queue = Queue.fromQueueArn(stack, "Jobs", "arn:aws:sqs:eu-west-1:123456789012:jobs");
    expect([queue.queueName, queue.queueUrl]).toEqual(["jobs", "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"]);
    expect(Queue.fromQueueArn(stack, "Cn", "arn:aws-cn:sqs:cn-north-1:123456789012:jobs").queueUrl).toBe("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/jobs");
    expect(synth(stack).resource).toBeUndefined();
  });

  it("takes the URL and key when given, and grants on the ARN and key", () => {
    const { stack, role, statements } = withRole();
    const url = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs";
    const queue = Queue.fromQueueArn(stack, "Jobs", "arn:aws:sqs:eu-west-1:123456789012:jobs", { queueUrl: url, encryptionKey: EncryptionKey.fromKeyArn(KEY_ARN) });
    queue.grantSendMessages(role);
    expect(queue.queueUrl).toBe(url);
    expect(statements()).toEqual([
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:123456789012:jobs" },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN },
    ]);
  });

  it("accepts a reference ARN with its URL, naming the queue from the ARN at apply time", () => {
    const { stack } = newStack();
    const source = new Queue(stack, "Source", { queueName: "jobs" });
    const queue = Queue.fromQueueArn(stack, "Jobs", source.queueArn, { queueUrl: source.queueUrl });
    new TerraformOutput(stack, "name", { value: queue.queueName });
    expect(synth(stack).output!.name.value).toBe('${element(split(":", aws_sqs_queue.Source.arn), 5)}');
  });

  it.each([
    ["an ARN of another service", "arn:aws:sns:eu-west-1:123456789012:jobs", {}, 'test/Jobs: queueArn must be an SQS queue ARN (arn:<partition>:sqs:<region>:<account>:<name>); got "arn:aws:sns:eu-west-1:123456789012:jobs"'],
    ["a partition whose domain is unknown", "arn:aws-iso:sqs:us-iso-east-1:123456789012:jobs", {}, "test/Jobs: queueUrl is required in partition aws-iso, whose SQS domain is not known here"],
  ])("rejects %s", (_label, arn, options, message) => {
    expect(() => Queue.fromQueueArn(newStack().stack, "Jobs", arn, options)).toThrow(message);
  });

  it("rejects a reference ARN without a URL", () => {
    const { stack } = newStack();
    const source = new Queue(stack, "Source");
    expect(() => Queue.fromQueueArn(stack, "Jobs", source.queueArn)).toThrow("test/Jobs: queueUrl is required when queueArn is a reference");
  });
});
