import { EncryptionKey, BillingMode, EventTable, Role, TableEncryption, Trust } from "../../../modules";
import { newStack, onlyResource, policyOf, resourcesOf, synth } from "../../helpers/synth";

function build(props: ConstructorParameters<typeof EventTable>[2] = {}) {
  const { stack } = newStack();
  const table = new EventTable(stack, "Table", { tableName: "events", ...props });
  return { stack, table, json: synth(stack) };
}
const tableRef = (json: any) => `\${aws_dynamodb_table.${Object.keys(json.resource.aws_dynamodb_table)[0]}.arn}`;
const keyRef = (json: any) => `\${aws_kms_key.${Object.keys(json.resource.aws_kms_key)[0]}.arn}`;

describe("EventTable defaults", () => {
  it("is on-demand, keyed by string eventId, AWS-owned encryption, point-in-time recovery on", () => {
    const table = onlyResource(build().json, "aws_dynamodb_table");
    expect(table).toMatchObject({
      name: "events",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "eventId",
      attribute: [{ name: "eventId", type: "S" }],
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: false },
      deletion_protection_enabled: false,
    });
    expect(table.range_key).toBeUndefined();
    expect(table.ttl).toBeUndefined();
    expect(table.read_capacity).toBeUndefined();
  });

  it("alarms on throttled requests and on system errors, by metric math", () => {
    const alarms = Object.values(resourcesOf(build().json, "aws_cloudwatch_metric_alarm"));
    expect(alarms.map((a) => a.alarm_name)).toEqual(["events-system-errors", "events-throttled-requests"]);
    const throttle = alarms[1];
    expect(throttle.metric_query[0]).toMatchObject({ id: "expr", expression: "r + w", return_data: true });
    expect(throttle.metric_query.slice(1).map((q: any) => q.metric.metric_name)).toEqual(["ReadThrottleEvents", "WriteThrottleEvents"]);
    const errors = alarms[0];
    expect(errors.metric_query).toHaveLength(9);
    expect(errors.metric_query[1].metric).toMatchObject({ metric_name: "SystemErrors", dimensions: { TableName: "events", Operation: "GetItem" }, stat: "Sum" });
    expect(build({ alarms: false }).json.resource.aws_cloudwatch_metric_alarm).toBeUndefined();
  });
});

describe("EventTable props", () => {
  it("takes another partition key, a sort key, TTL and deletion protection", () => {
    const table = onlyResource(
      build({ partitionKey: { name: "device" }, sortKey: { name: "ts", type: "N" }, timeToLiveAttribute: "expiresAt", deletionProtection: true }).json,
      "aws_dynamodb_table",
    );
    expect(table).toMatchObject({
      hash_key: "device",
      range_key: "ts",
      attribute: [{ name: "device", type: "S" }, { name: "ts", type: "N" }],
      ttl: { attribute_name: "expiresAt", enabled: true },
      deletion_protection_enabled: true,
    });
  });

  it("uses the AWS-managed key, a created key, or a given key", () => {
    expect(onlyResource(build({ encryption: TableEncryption.AWS_MANAGED }).json, "aws_dynamodb_table").server_side_encryption).toEqual({ enabled: true });
    const created = build({ encryption: TableEncryption.CUSTOMER_MANAGED }).json;
    expect(onlyResource(created, "aws_dynamodb_table").server_side_encryption).toEqual({ enabled: true, kms_key_arn: keyRef(created) });
    expect(onlyResource(created, "aws_kms_key").enable_key_rotation).toBe(true);
    const given = build({ encryptionKey: EncryptionKey.fromKeyArn("arn:aws:kms:eu-west-1:111122223333:key/k") }).json;
    expect(onlyResource(given, "aws_dynamodb_table").server_side_encryption).toEqual({ enabled: true, kms_key_arn: "arn:aws:kms:eu-west-1:111122223333:key/k" });
  });

  it("autoscales provisioned capacity by target tracking", () => {
    const json = build({
      billingMode: BillingMode.PROVISIONED,
      readCapacity: { min: 5, max: 100 },
      writeCapacity: { min: 10, max: 200, targetUtilizationPercent: 50 },
    }).json;
    expect(onlyResource(json, "aws_dynamodb_table")).toMatchObject({
      billing_mode: "PROVISIONED",
      read_capacity: 5,
      write_capacity: 10,
      lifecycle: { ignore_changes: ["read_capacity", "write_capacity"] },
    });
    const targets = Object.values(resourcesOf(json, "aws_appautoscaling_target"));
    expect(targets.map((t) => [t.scalable_dimension, t.min_capacity, t.max_capacity])).toEqual([
      ["dynamodb:table:ReadCapacityUnits", 5, 100],
      ["dynamodb:table:WriteCapacityUnits", 10, 200],
    ]);
    const policies = Object.values(resourcesOf(json, "aws_appautoscaling_policy"));
    expect(policies.map((p) => p.target_tracking_scaling_policy_configuration)).toEqual([
      { target_value: 70, predefined_metric_specification: { predefined_metric_type: "DynamoDBReadCapacityUtilization" } },
      { target_value: 50, predefined_metric_specification: { predefined_metric_type: "DynamoDBWriteCapacityUtilization" } },
    ]);
  });

  it.each([
    ["capacity on demand", { readCapacity: { min: 1, max: 2 } }, "readCapacity need billingMode PROVISIONED; it is PAY_PER_REQUEST"],
    ["provisioned without capacity", { billingMode: BillingMode.PROVISIONED }, "readCapacity is required when billingMode is PROVISIONED"],
    ["max below min", { billingMode: BillingMode.PROVISIONED, readCapacity: { min: 5, max: 2 }, writeCapacity: { min: 1, max: 1 } }, "readCapacity.max must be ≥ readCapacity.min (5); got 2"],
    ["a utilization of 95%", { billingMode: BillingMode.PROVISIONED, readCapacity: { min: 1, max: 2, targetUtilizationPercent: 95 }, writeCapacity: { min: 1, max: 1 } }, "readCapacity.targetUtilizationPercent must be a whole number from 20 to 90 %; got 95"],
    ["a 2-character name", { tableName: "ab" }, 'tableName must be 3–255 characters of [a-zA-Z0-9_.-]; got "ab"'],
    ["the same sort and partition key", { partitionKey: { name: "id" }, sortKey: { name: "id" } }, 'sortKey.name must differ from partitionKey.name; both are "id"'],
    ["a key with AWS_OWNED", { encryption: TableEncryption.AWS_OWNED, encryptionKey: { keyArn: "k" } }, "encryptionKey is given but encryption is AWS_OWNED"],
    ["a bad key type", { partitionKey: { name: "id", type: "X" as never } }, 'partitionKey.type must be one of S, N, B; got "X"'],
  ])("rejects %s", (_label, props, message) => {
    expect(() => build(props as never)).toThrow(message);
  });
});

describe("EventTable grants", () => {
  const grantDoc = (encryption: TableEncryption, grant: (t: EventTable, r: Role) => void) => {
    const { stack } = newStack();
    const table = new EventTable(stack, "Table", { tableName: "events", encryption });
    const role = new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") });
    grant(table, role);
    const json = synth(stack);
    return { json, doc: policyOf(onlyResource(json, "aws_iam_role_policy")) };
  };

  it("grantReadData gives exactly the read actions", () => {
    const { json, doc } = grantDoc(TableEncryption.AWS_OWNED, (t, r) => t.grantReadData(r));
    expect(doc.Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"],
        Resource: tableRef(json),
      },
    ]);
  });

  it("grantWriteData gives exactly the write actions, plus KMS on a customer key", () => {
    const { json, doc } = grantDoc(TableEncryption.CUSTOMER_MANAGED, (t, r) => t.grantWriteData(r));
    expect(doc.Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        Resource: tableRef(json),
      },
      { Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"], Resource: keyRef(json) },
    ]);
  });

  it.each([
    ["read", ["kms:Decrypt", "kms:DescribeKey"]],
    ["write", ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]],
  ] as const)("grantKey(%s) gives what DynamoDB needs of the principal on a customer key, and nothing on an AWS key", (access, actions) => {
    const { json, doc } = grantDoc(TableEncryption.CUSTOMER_MANAGED, (t, r) => t.grantKey(r, access));
    expect(doc.Statement).toEqual([{ Effect: "Allow", Action: actions, Resource: keyRef(json) }]);
    const { stack } = newStack();
    const table = new EventTable(stack, "Table", { tableName: "events", encryption: TableEncryption.AWS_MANAGED });
    table.grantKey(new Role(stack, "Role", { assumedBy: Trust.service("lambda.amazonaws.com") }), access);
    expect(resourcesOf(synth(stack), "aws_iam_role_policy")).toEqual({});
  });

  it("grantReadWriteData merges both, each action once", () => {
    const { doc } = grantDoc(TableEncryption.CUSTOMER_MANAGED, (t, r) => t.grantReadWriteData(r));
    expect(doc.Statement).toHaveLength(2);
    expect(doc.Statement[0].Action).toHaveLength(10);
    expect(doc.Statement[1].Action).toEqual(["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]);
  });
});
