import { createMathAlarm, Duration, Metric } from "../../../modules";
import { newStack, onlyResource, synth } from "../../helpers/synth";

/**
 * A metric's period is what CloudWatch accepts for alarms and dashboards alike: 10, 20 or 30
 * seconds (high resolution) or a whole number of minutes, checked at synth rather than by the
 * CloudWatch API at apply.
 */
const metric = (period?: Duration) => new Metric({ namespace: "AWS/Kinesis", metricName: "IncomingRecords", dimensions: { StreamName: "events" }, period });
const PERIOD_RULE = "period must be a multiple of 60 seconds (60 or more), or 10 or 20 or 30";

describe("Metric", () => {
  it.each([
    ["10 s", Duration.seconds(10), 10],
    ["30 s", Duration.seconds(30), 30],
    ["1 minute", Duration.minutes(1), 60],
    ["1.1 hours", Duration.hours(1.1), 3_960],
    ["one day", Duration.days(1), 86_400],
  ])("takes a period of %s", (_, period, seconds) => {
    expect(metric(period).toWidgetRow()).toEqual(["AWS/Kinesis", "IncomingRecords", "StreamName", "events", { stat: "Average", period: seconds }]);
  });

  it("defaults to a 5-minute period", () => {
    expect(metric().period.toSeconds()).toBe(300);
  });

  it.each([
    ["a fraction of a second", Duration.millis(1500), "got 1.5 (1500 milliseconds)"],
    ["a period CloudWatch has no resolution for", Duration.seconds(45), "got 45 (45 seconds)"],
    ["minutes and seconds", Duration.seconds(90), "got 90 (90 seconds)"],
    ["zero", Duration.seconds(0), "got 0 (0 seconds)"],
  ])("rejects %s, naming the metric, the rule and the value", (_, period, got) => {
    expect(() => metric(period)).toThrow(`Metric AWS/Kinesis IncomingRecords: ${PERIOD_RULE}; ${got}`);
  });
});

describe("createMathAlarm", () => {
  const alarm = (period?: Duration) => {
    const { stack } = newStack();
    createMathAlarm(stack, "Errors", {
      alarmName: "errors",
      alarmDescription: "Errors of both kinds.",
      expression: "a + b",
      metrics: { a: metric(), b: metric() },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 1,
      period,
    });
    return stack;
  };

  it("gives every metric of the expression the alarm's period", () => {
    const queries = onlyResource(synth(alarm(Duration.minutes(1))), "aws_cloudwatch_metric_alarm").metric_query;
    expect(queries.filter((q: any) => q.metric).map((q: any) => q.metric.period)).toEqual([60, 60]);
  });

  it("rejects a period CloudWatch would refuse at apply, naming the alarm", () => {
    expect(() => alarm(Duration.millis(1500))).toThrow(`test/Errors: ${PERIOD_RULE}; got 1.5 (1500 milliseconds)`);
  });
});
