import { DataStream, KinesisEventSource, KinesisEventSourceProps, NodejsFunction, StartingPosition } from "../../../modules";
import { newStack, onlyResource, policyOf, synth } from "../../helpers/synth";

/** A customer-managed key of an on-failure destination. */
export const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/dest";

/** A function reading stream "events" through `props`; `extra` adds destinations and such in the same stack. */
export function build(props: Partial<KinesisEventSourceProps> = {}, extra: (stack: ReturnType<typeof newStack>["stack"]) => Partial<KinesisEventSourceProps> = () => ({})) {
  const { stack } = newStack();
  const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
  const fn = new NodejsFunction(stack, "Fn", { entry: "stream-consumer", functionName: "reader" });
  const source = new KinesisEventSource(stream, { startingPosition: StartingPosition.LATEST, ...props, ...extra(stack) });
  fn.addEventSource(source);
  return { stack, fn, source, json: synth(stack) };
}
export const mapping = (json: any) => onlyResource(json, "aws_lambda_event_source_mapping");
/** The statements of the function role's one inline policy: logs and X-Ray first, then the grants. */
export const statements = (json: any): any[] => policyOf(onlyResource(json, "aws_iam_role_policy")).Statement;
/** A reference to the first resource of a type. */
export const ref = (json: any, type: string, attr = "arn") => `\${${type}.${Object.keys(json.resource[type])[0]}.${attr}}`;
