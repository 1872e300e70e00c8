import { Construct, IConstruct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { EncryptionKey, IEncryptionKey } from "../kms/encryption-key";
import { createMathAlarm, Metric, metricFactory, MetricOptions } from "../cloudwatch/metric";
import { IGrantable, PolicyStatement } from "../iam/policy-statement";
import { nameOfImportedArn } from "../core/arn";
import { uniqueName } from "../core/naming";
import { isUnresolved, validateOneOf, validatePattern, validateRange, ValidationError } from "../core/validation";
import { skipCheckov } from "../core/checkov";

export enum TableEncryption {
  /** The AWS-owned key: no cost, no key to manage, no KMS statements in grants. */
  AWS_OWNED = "AWS_OWNED",
  /** The AWS-managed key `aws/dynamodb` (visible in the account's KMS). */
  AWS_MANAGED = "AWS_MANAGED",
  /** A customer-managed key, created here or passed as `encryptionKey`. */
  CUSTOMER_MANAGED = "CUSTOMER_MANAGED",
}

/** How the table's reads and writes are paid for. */
export enum BillingMode {
  /** Per request: nothing to plan, scales with traffic. */
  PAY_PER_REQUEST = "PAY_PER_REQUEST",
  /** Capacity units, autoscaled between `min` and `max` (`readCapacity`, `writeCapacity`). */
  PROVISIONED = "PROVISIONED",
}

export interface CapacityScaling {
  /** Minimum units, ≥ 1. */
  readonly min: number;
  /** Maximum units, ≥ min. */
  readonly max: number;
  /** Target utilization, 20–90 %. @default 70 */
  readonly targetUtilizationPercent?: number;
}

export interface KeyAttribute {
  readonly name: string;
  /** @default "S" */
  readonly type?: "S" | "N" | "B";
}

export interface EventTableProps {
  /** Physical name, `[a-zA-Z0-9_.-]{3,255}`. @default a deterministic name from the construct path */
  readonly tableName?: string;
  /** @default { name: "eventId", type: "S" } */
  readonly partitionKey?: KeyAttribute;
  /** @default none */
  readonly sortKey?: KeyAttribute;
  /** @default BillingMode.PAY_PER_REQUEST */
  readonly billingMode?: BillingMode;
  /** PROVISIONED only: read capacity autoscaling. Required in that mode. */
  readonly readCapacity?: CapacityScaling;
  /** PROVISIONED only: write capacity autoscaling. Required in that mode. */
  readonly writeCapacity?: CapacityScaling;
  /** @default TableEncryption.AWS_OWNED, or CUSTOMER_MANAGED when `encryptionKey` is given */
  readonly encryption?: TableEncryption;
  /** @default created when encryption is CUSTOMER_MANAGED */
  readonly encryptionKey?: IEncryptionKey;
  /** Attribute holding an expiry time (epoch seconds); DynamoDB deletes expired items. @default none */
  readonly timeToLiveAttribute?: string;
  /** Refuse `terraform destroy` of the table. @default false */
  readonly deletionProtection?: boolean;
  /** Create the throttling and system-error alarms. @default true */
  readonly alarms?: boolean;
  /** @default none */
  readonly alarmActions?: string[];
}

const READ_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:DescribeTable",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
];
const WRITE_ACTIONS = [
  "dynamodb:BatchWriteItem",
  "dynamodb:DeleteItem",
  "dynamodb:DescribeTable",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
];
/** What DynamoDB needs of a reader's (`read`) or writer's (`write`) principal on a customer key. */
const KEY_ACTIONS = {
  read: ["kms:Decrypt", "kms:DescribeKey"],
  write: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
};
/** Operations whose SystemErrors the default alarm sums. */
const ALARMED_OPERATIONS = ["GetItem", "PutItem", "BatchGetItem", "BatchWriteItem", "UpdateItem", "DeleteItem", "Query", "Scan"];

/** A DynamoDB table, created here (`EventTable`) or existing (`EventTable.fromTableAttributes`). */
export interface IEventTable extends IConstruct {
  readonly tableName: string;
  readonly tableArn: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly encryptionKey?: IEncryptionKey;
  grantReadData(grantee: IGrantable): void;
  grantWriteData(grantee: IGrantable): void;
  grantReadWriteData(grantee: IGrantable): void;
  grant(grantee: IGrantable, ...actions: string[]): void;
  grantKey(grantee: IGrantable, access: "read" | "write"): void;
  metric(metricName: string, options?: MetricOptions & { operation?: string }): Metric;
  metricThrottleEvents(kind: "read" | "write", options?: MetricOptions): Metric;
  metricSystemErrors(operation: string, options?: MetricOptions): Metric;
}

/** Grants and metrics shared by created and imported tables. */
abstract class EventTableBase extends Construct implements IEventTable {
  abstract readonly tableName: string;
  abstract readonly tableArn: string;
  abstract readonly partitionKey: KeyAttribute;
  abstract readonly sortKey?: KeyAttribute;
  abstract readonly encryptionKey?: IEncryptionKey;

  /** Read items: BatchGetItem, ConditionCheckItem, DescribeTable, GetItem, Query, Scan (+ KMS on a customer key). */
  grantReadData(grantee: IGrantable): void {
    this.grant(grantee, ...READ_ACTIONS);
    this.grantKey(grantee, "read");
  }

  /** Write items: BatchWriteItem, DeleteItem, DescribeTable, PutItem, UpdateItem (+ KMS on a customer key). */
  grantWriteData(grantee: IGrantable): void {
    this.grant(grantee, ...WRITE_ACTIONS);
    this.grantKey(grantee, "write");
  }

  grantReadWriteData(grantee: IGrantable): void {
    this.grantReadData(grantee);
    this.grantWriteData(grantee);
  }

  /** Exactly the given DynamoDB actions on this table (no KMS statement). */
  grant(grantee: IGrantable, ...actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [this.tableArn] }));
  }

  /** The KMS actions a reader (`read`) or writer (`write`) of a customer-key table needs; nothing for AWS keys. */
  grantKey(grantee: IGrantable, access: "read" | "write"): void {
    this.encryptionKey?.grant(grantee, KEY_ACTIONS[access]);
  }

  /** Any AWS/DynamoDB metric of this table, optionally of one operation (Sum unless told). */
  metric(metricName: string, options: MetricOptions & { operation?: string } = {}): Metric {
    const { operation, ...metricOptions } = options;
    return metricFactory("AWS/DynamoDB", { TableName: this.tableName, ...(operation ? { Operation: operation } : {}) })(metricName, "Sum", metricOptions);
  }

  /** Throttled read (`read`) or write (`write`) events (Sum). */
  metricThrottleEvents(kind: "read" | "write", options?: MetricOptions): Metric {
    return this.metric(kind === "read" ? "ReadThrottleEvents" : "WriteThrottleEvents", options);
  }

  /** HTTP 500s from DynamoDB for one operation (Sum). */
  metricSystemErrors(operation: string, options?: MetricOptions): Metric {
    return this.metric("SystemErrors", { ...options, operation });
  }
}

export interface EventTableAttributes {
  readonly tableArn: string;
  /** @default parsed from a literal ARN */
  readonly tableName?: string;
  /** @default { name: "eventId", type: "S" } */
  readonly partitionKey?: KeyAttribute;
  /** @default none */
  readonly sortKey?: KeyAttribute;
  /** The table's customer-managed key, so grants include the KMS statements. @default none */
  readonly encryptionKey?: IEncryptionKey;
}

const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255}$/;

class ImportedEventTable extends EventTableBase {
  readonly tableName: string;
  readonly tableArn: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly encryptionKey?: IEncryptionKey;

  constructor(scope: Construct, id: string, attrs: EventTableAttributes) {
    super(scope, id);
    this.tableName = nameOfImportedArn(this, { arnProp: "tableArn", arn: attrs.tableArn, pattern: TABLE_ARN, description: "a DynamoDB table ARN", nameProp: "tableName", name: attrs.tableName });
    this.tableArn = attrs.tableArn;
    this.partitionKey = attrs.partitionKey ?? { name: "eventId", type: "S" };
    this.sortKey = attrs.sortKey;
    this.encryptionKey = attrs.encryptionKey;
  }
}

/**
 * A DynamoDB table for ingested events: on-demand, encrypted, point-in-time recovery on,
 * with exact grants and alarms on throttling and system errors.
 */
export class EventTable extends EventTableBase {
  /** A table that exists already (grants and metrics only; nothing is created). */
  static fromTableAttributes(scope: Construct, id: string, attrs: EventTableAttributes): IEventTable {
    return new ImportedEventTable(scope, id, attrs);
  }

  readonly resource: DynamodbTable;
  readonly tableName: string;
  readonly tableArn: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly encryptionKey?: IEncryptionKey;
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: EventTableProps = {}) {
    super(scope, id);
    const billingMode = props.billingMode ?? BillingMode.PAY_PER_REQUEST;
    validateOneOf(this, "billingMode", billingMode, Object.values(BillingMode));
    validatePattern(this, "tableName", props.tableName, /^[a-zA-Z0-9_.-]{3,255}$/, "3–255 characters of [a-zA-Z0-9_.-]");
    for (const [prop, key] of [["partitionKey", props.partitionKey], ["sortKey", props.sortKey]] as const) {
      if (!key) continue;
      validatePattern(this, `${prop}.name`, key.name, /^.{1,255}$/, "1–255 characters");
      validateOneOf(this, `${prop}.type`, key.type, ["S", "N", "B"]);
    }
    if (props.sortKey && props.partitionKey && props.sortKey.name === props.partitionKey.name) {
      throw new ValidationError(this, `sortKey.name must differ from partitionKey.name; both are ${JSON.stringify(props.sortKey.name)}`);
    }
    if (billingMode === BillingMode.PAY_PER_REQUEST) {
      const set = (["readCapacity", "writeCapacity"] as const).filter((p) => props[p] !== undefined);
      if (set.length > 0) throw new ValidationError(this, `${set.join(", ")} need billingMode PROVISIONED; it is PAY_PER_REQUEST`);
    } else {
      for (const prop of ["readCapacity", "writeCapacity"] as const) {
        const scaling = props[prop];
        if (!scaling) throw new ValidationError(this, `${prop} is required when billingMode is PROVISIONED`);
        validateRange(this, `${prop}.min`, scaling.min, { min: 1, max: 40000, unit: "units" });
        validateRange(this, `${prop}.max`, scaling.max, { min: 1, max: 40000, unit: "units" });
        if (!isUnresolved(scaling.min) && !isUnresolved(scaling.max) && scaling.max < scaling.min) {
          throw new ValidationError(this, `${prop}.max must be ≥ ${prop}.min (${scaling.min}); got ${scaling.max}`);
        }
        validateRange(this, `${prop}.targetUtilizationPercent`, scaling.targetUtilizationPercent, { min: 20, max: 90, unit: "%" });
      }
    }
    const encryption =
      props.encryption ?? (props.encryptionKey ? TableEncryption.CUSTOMER_MANAGED : TableEncryption.AWS_OWNED);
    validateOneOf(this, "encryption", encryption, Object.values(TableEncryption));
    if (props.encryptionKey && encryption !== TableEncryption.CUSTOMER_MANAGED) {
      throw new ValidationError(this, `encryptionKey is given but encryption is ${encryption}; use CUSTOMER_MANAGED (or omit encryption)`);
    }
    validatePattern(this, "timeToLiveAttribute", props.timeToLiveAttribute, /^.{1,255}$/, "1–255 characters");

    this.partitionKey = { name: props.partitionKey?.name ?? "eventId", type: props.partitionKey?.type ?? "S" };
    this.sortKey = props.sortKey ? { name: props.sortKey.name, type: props.sortKey.type ?? "S" } : undefined;
    if (encryption === TableEncryption.CUSTOMER_MANAGED) {
      this.encryptionKey =
        props.encryptionKey ?? new EncryptionKey(this, "Key", { description: `Encrypts DynamoDB table ${this.node.path}` });
    }
    const provisioned = billingMode === BillingMode.PROVISIONED;
    this.resource = new DynamodbTable(this, "Resource", {
      name: props.tableName ?? uniqueName(this, 255),
      billingMode,
      hashKey: this.partitionKey.name,
      rangeKey: this.sortKey?.name,
      attribute: [this.partitionKey, ...(this.sortKey ? [this.sortKey] : [])].map((k) => ({ name: k.name, type: k.type! })),
      ...(provisioned ? { readCapacity: props.readCapacity!.min, writeCapacity: props.writeCapacity!.min } : {}),
      pointInTimeRecovery: { enabled: true },
      // enabled=false is the AWS-owned key: encryption at rest is always on in DynamoDB.
      serverSideEncryption:
        encryption === TableEncryption.AWS_OWNED
          ? { enabled: false }
          : { enabled: true, kmsKeyArn: this.encryptionKey?.keyArn },
      ttl: props.timeToLiveAttribute ? { attributeName: props.timeToLiveAttribute, enabled: true } : undefined,
      deletionProtectionEnabled: props.deletionProtection ?? false,
      // Autoscaling owns the capacity after creation.
      lifecycle: provisioned ? { ignoreChanges: ["read_capacity", "write_capacity"] } : undefined,
    });
    this.tableName = props.tableName ?? this.resource.name;
    if (!this.encryptionKey) {
      skipCheckov(this.resource, "CKV_AWS_119", "Encrypted at rest with an AWS key (no per-request KMS cost or throttling); encryption CUSTOMER_MANAGED gives a customer key");
    }
    this.tableArn = this.resource.arn;

    if (provisioned) {
      this.addAutoscaling("Read", props.readCapacity!);
      this.addAutoscaling("Write", props.writeCapacity!);
    }
    if (props.alarms ?? true) this.createDefaultAlarms(props.alarmActions);
  }

  private addAutoscaling(kind: "Read" | "Write", scaling: CapacityScaling): void {
    const dimension = `dynamodb:table:${kind}CapacityUnits`;
    const target = new AppautoscalingTarget(this, `${kind}ScalingTarget`, {
      serviceNamespace: "dynamodb",
      resourceId: `table/${this.resource.name}`,
      scalableDimension: dimension,
      minCapacity: scaling.min,
      maxCapacity: scaling.max,
    });
    new AppautoscalingPolicy(this, `${kind}ScalingPolicy`, {
      name: `${kind.toLowerCase()}-utilization`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      resourceId: target.resourceId,
      scalableDimension: target.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: scaling.targetUtilizationPercent ?? 70,
        predefinedMetricSpecification: { predefinedMetricType: `DynamoDB${kind}CapacityUtilization` },
      },
    });
  }

  private createDefaultAlarms(actions?: string[]): void {
    const base = isUnresolved(this.tableName) ? uniqueName(this, 200) : this.tableName;
    this.alarms.push(
      createMathAlarm(this, "ThrottleAlarm", {
        alarmName: `${base}-throttled-requests`,
        expression: "r + w",
        metrics: { r: this.metricThrottleEvents("read"), w: this.metricThrottleEvents("write") },
        // Any throttling for 10 minutes: on-demand tables throttle only past twice their previous
        // peak or at account limits, so a sustained rate needs a look (or provisioned capacity raised).
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 2,
        alarmDescription: "Requests to the table were throttled for 10 minutes; writers are backing off and lagging.",
        actions,
      }),
      createMathAlarm(this, "SystemErrorAlarm", {
        alarmName: `${base}-system-errors`,
        expression: ALARMED_OPERATIONS.map((_, i) => `e${i}`).join(" + "),
        metrics: Object.fromEntries(ALARMED_OPERATIONS.map((op, i) => [`e${i}`, this.metricSystemErrors(op)])),
        // Any 5xx from DynamoDB: clients retry them, but they signal a service-side problem worth knowing at once.
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        evaluationPeriods: 1,
        alarmDescription: "DynamoDB returned server errors (HTTP 500) for this table.",
        actions,
      }),
    );
  }
}
