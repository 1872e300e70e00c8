import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Duration } from "../core/duration";
import { RangeOptions, validateDuration } from "../core/validation";

/** How a metric's data points are aggregated over each period. */
export type Statistic = "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount";

/**
 * A CloudWatch metric description, the value behind every construct's `metricXxx()` helper.
 * It creates nothing by itself: call `createAlarm()` or put it on a dashboard.
 */
export interface MetricProps {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  /** @default "Average" */
  readonly statistic?: Statistic;
  /** Length of each data point: 10, 20 or 30 s (high resolution) or a whole number of minutes. @default 5 minutes */
  readonly period?: Duration;
}

/** The periods CloudWatch takes, in seconds, for alarms and metric queries alike. */
const PERIOD_SECONDS: Omit<RangeOptions, "unit"> = { min: 60, multipleOf: 60, alsoAllowed: [10, 20, 30] };

/** Overrides a `metricXxx()` helper accepts. */
export type MetricOptions = Partial<Pick<MetricProps, "statistic" | "period">>;

/**
 * The metrics of one resource: `metric(metricName, statistic, options)`, where `statistic` is the
 * metric's usual one and `options` (a caller's) may override it and the period.
 */
export type MetricFactory = (metricName: string, statistic: Statistic, options?: MetricOptions) => Metric;

/**
 * The one way constructs build their `metricXxx()` helpers: a factory for one resource's
 * namespace and dimensions, e.g.
 * `metricIncomingRecords(options) { return metricFactory("AWS/Kinesis", { StreamName })("IncomingRecords", "Sum", options); }`.
 */
export function metricFactory(namespace: string, dimensions: Record<string, string>): MetricFactory {
  return (metricName, statistic, options = {}) =>
    new Metric({ namespace, metricName, dimensions, ...options, statistic: options.statistic ?? statistic });
}

export interface CreateAlarmOptions {
  /** @default a deterministic name derived from the metric */
  readonly alarmName?: string;
  /** Why the alarm exists and what to do about it. */
  readonly alarmDescription: string;
  readonly threshold: number;
  readonly comparisonOperator:
    | "GreaterThanThreshold"
    | "GreaterThanOrEqualToThreshold"
    | "LessThanThreshold"
    | "LessThanOrEqualToThreshold";
  readonly evaluationPeriods: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** @default "notBreaching" */
  readonly treatMissingData?: "breaching" | "notBreaching" | "ignore" | "missing";
  /** SNS topic ARNs (or other actions) notified on ALARM and OK. @default none */
  readonly actions?: string[];
}

export class Metric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly statistic: string;
  readonly period: Duration;

  constructor(props: MetricProps) {
    this.namespace = props.namespace;
    this.metricName = props.metricName;
    this.dimensions = props.dimensions;
    this.statistic = props.statistic ?? "Average";
    this.period = props.period ?? Duration.minutes(5);
    // No construct to name: the metric is named instead, as `metricXxx({ period })` callers know it.
    validateDuration(`Metric ${this.namespace} ${this.metricName}`, "period", this.period, "seconds", PERIOD_SECONDS);
  }

  /** The metric as a CloudWatch dashboard `metrics` row: namespace, name, dimension pairs, options. */
  toWidgetRow(label?: string): unknown[] {
    const dims = Object.entries(this.dimensions).flat();
    return [this.namespace, this.metricName, ...dims, { stat: this.statistic, period: this.period.toSeconds(), ...(label ? { label } : {}) }];
  }

  createAlarm(scope: Construct, id: string, options: CreateAlarmOptions): CloudwatchMetricAlarm {
    return new CloudwatchMetricAlarm(scope, id, {
      alarmName: options.alarmName ?? `${Object.values(this.dimensions).join("-")}-${this.metricName}`,
      alarmDescription: options.alarmDescription,
      namespace: this.namespace,
      metricName: this.metricName,
      dimensions: this.dimensions,
      statistic: this.statistic,
      period: this.period.toSeconds(),
      ...alarmSettings(options),
    });
  }
}

/** The threshold, evaluation and notification settings every alarm here shares. */
function alarmSettings(options: Omit<CreateAlarmOptions, "alarmName" | "alarmDescription">) {
  return {
    threshold: options.threshold,
    comparisonOperator: options.comparisonOperator,
    evaluationPeriods: options.evaluationPeriods,
    datapointsToAlarm: options.datapointsToAlarm ?? options.evaluationPeriods,
    treatMissingData: options.treatMissingData ?? "notBreaching",
    alarmActions: options.actions,
    okActions: options.actions,
  };
}

export interface MathAlarmOptions extends Omit<CreateAlarmOptions, "alarmName"> {
  readonly alarmName: string;
  /** A CloudWatch metric-math expression over the metrics' ids, e.g. `r + w`. */
  readonly expression: string;
  /** The metrics, by the id the expression uses (lower-case first letter). */
  readonly metrics: Record<string, Metric>;
  /** Period of the expression, given to each of its metrics: 10, 20 or 30 s or a whole number of minutes. @default 5 minutes */
  readonly period?: Duration;
}

/** An alarm on a metric-math expression (e.g. the sum of several metrics). */
export function createMathAlarm(scope: Construct, id: string, options: MathAlarmOptions): CloudwatchMetricAlarm {
  const period = validateDuration(`${scope.node.path}/${id}`, "period", options.period, "seconds", PERIOD_SECONDS) ?? 300;
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: options.alarmName,
    alarmDescription: options.alarmDescription,
    ...alarmSettings(options),
    metricQuery: [
      { id: "expr", expression: options.expression, label: options.alarmName, returnData: true },
      ...Object.entries(options.metrics).map(([metricId, m]) => ({
        id: metricId,
        returnData: false,
        metric: {
          namespace: m.namespace,
          metricName: m.metricName,
          dimensions: m.dimensions,
          stat: m.statistic,
          period,
        },
      })),
    ],
  });
}
