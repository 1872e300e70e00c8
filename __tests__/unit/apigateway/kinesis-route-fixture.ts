import { DataStream, IngestApi, KinesisPutRecordRoute, KinesisRouteProps } from "../../../modules";
import { newStack, resourcesOf, synth } from "../../helpers/synth";

/** An API on stream `events`, plus a stream `orders` it is not bound to; `addRoutes` adds routes after construction. */
export function build(addRoutes: (api: IngestApi, orders: DataStream) => void = () => {}) {
  const { stack } = newStack();
  const events = new DataStream(stack, "Events", { streamName: "events", alarms: false });
  const orders = new DataStream(stack, "Orders", { streamName: "orders", alarms: false });
  const api = new IngestApi(stack, "Api", { streams: [events], apiName: "ingest", credentials: { secretName: "ingest/basic-auth" } });
  addRoutes(api, orders);
  return { api, json: synth(stack) as any };
}

/** `POST /orders/{eventId}` into the unbound stream `orders`. */
export const ordersRoute = (orders: DataStream, props: Partial<KinesisRouteProps> = {}) =>
  new KinesisPutRecordRoute({ idPrefix: "Orders", path: "/orders/{eventId}", stream: orders, ...props });

/** The resources of a type whose logical id starts with `Api_<idPrefix>`. */
export const ofRoute = (json: any, type: string, idPrefix: string) =>
  Object.entries(resourcesOf(json, type)).filter(([k]) => k.startsWith(`Api_${idPrefix}`)).map(([, r]) => r);
