import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayIntegrationResponse } from "@cdktf/provider-aws/lib/api-gateway-integration-response";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { DataStream, IngestApi, KinesisPutRecordRoute, KinesisPutRecordsRoute, SUBMIT_SCHEMA } from "../../../modules";
import { newStack, onlyResource, resourcesOf, synth } from "../../helpers/synth";
import { build, ofRoute, ordersRoute } from "./kinesis-route-fixture";

const redeployHash = (json: any) => onlyResource(json, "aws_api_gateway_deployment").triggers.redeployment;

describe("Kinesis routes (what KinesisPutRecordRoute and KinesisPutRecordsRoute share)", () => {
  it("keep the built-in routes' construct ids in the API's scope (their addresses are pinned)", () => {
    const { api } = build();
    const child = (id: string) => api.node.tryFindChild(id);
    for (const id of ["Submit", "SubmitStream", "SubmitEvent", "Streams", "StreamsStream", "StreamRecords"]) expect(child(id)).toBeInstanceOf(ApiGatewayResource);
    for (const prefix of ["Submit", "PutRecords"]) {
      expect(child(`${prefix}Method`)).toBeInstanceOf(ApiGatewayMethod);
      expect(child(`${prefix}Integration`)).toBeInstanceOf(ApiGatewayIntegration);
      for (const status of ["200", "400", "502"]) expect(child(`${prefix}Integration${status}`)).toBeInstanceOf(ApiGatewayIntegrationResponse);
    }
  });

  it("a user's route is covered by the redeploy hash, and the deployment waits for it", () => {
    const without = build().json;
    const withRoute = build((api, orders) => api.addRoute(ordersRoute(orders))).json;
    const changedTemplate = build((api, orders) => api.addRoute(ordersRoute(orders, { responseTemplate: '{"ok":true}' }))).json;
    expect(redeployHash(withRoute)).not.toBe(redeployHash(without));
    expect(redeployHash(changedTemplate)).not.toBe(redeployHash(withRoute));
    const dependsOn: string[] = onlyResource(withRoute, "aws_api_gateway_deployment").depends_on;
    for (const type of ["aws_api_gateway_method", "aws_api_gateway_integration", "aws_api_gateway_integration_response", "aws_api_gateway_method_response"]) {
      const ids = Object.keys(resourcesOf(withRoute, type)).filter((k) => k.startsWith("Api_Orders"));
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(dependsOn).toContain(`${type}.${id}`);
    }
    expect(dependsOn.filter((d) => d.startsWith("aws_api_gateway_resource."))).toHaveLength(8); // six built in, /orders, /orders/{eventId}
  });

  it("takes the route's own model, request template and throttling", () => {
    const schema = { ...SUBMIT_SCHEMA, title: "Order", required: ["eventId", "amount"] };
    const { json } = build((api, orders) =>
      api.addRoute(ordersRoute(orders, {
        requestModel: { name: "Order", schema },
        requestTemplate: `{"StreamName":"orders","PartitionKey":"$context.requestId","Data":"$util.base64Encode($input.body)"}`,
        throttle: { rateLimit: 10, burstLimit: 20 },
      })),
    );
    const order = Object.values(resourcesOf(json, "aws_api_gateway_model")).find((m) => m.name === "Order");
    expect(JSON.parse(order.schema)).toEqual(schema);
    expect(ofRoute(json, "aws_api_gateway_integration", "OrdersIntegration")[0].request_templates["application/json"]).toContain('"PartitionKey":"$context.requestId"');
    const [settings] = ofRoute(json, "aws_api_gateway_method_settings", "OrdersMethodSettings");
    expect(settings).toMatchObject({
      method_path: "orders/{eventId}/POST",
      stage_name: expect.stringMatching(/aws_api_gateway_stage\.Api_Stage_\w+\.stage_name/),
      // A method's settings replace the stage's for it: metrics and ERROR-only logs are repeated.
      settings: { throttling_rate_limit: 10, throttling_burst_limit: 20, metrics_enabled: true, logging_level: "ERROR", data_trace_enabled: false },
    });
  });

  it("requires an API key on a user's route too when the API has a usage plan", () => {
    const { stack } = newStack();
    const events = new DataStream(stack, "Events", { streamName: "events", alarms: false });
    const orders = new DataStream(stack, "Orders", { streamName: "orders", alarms: false });
    const api = new IngestApi(stack, "Api", { streams: [events], usagePlan: { apiKeyNames: ["partner"] } });
    api.addRoute(ordersRoute(orders));
    expect(ofRoute(synth(stack), "aws_api_gateway_method", "OrdersMethod")[0].api_key_required).toBe(true);
  });

  it.each<[string, (orders: DataStream) => KinesisPutRecordRoute | KinesisPutRecordsRoute, string]>([
    ["an id prefix that is not an identifier", (orders) => ordersRoute(orders, { idPrefix: "my-orders" }), 'KinesisPutRecordRoute: idPrefix must be a letter, then letters and digits; got "my-orders"'],
    ["a path without a leading slash", (orders) => ordersRoute(orders, { path: "orders/{eventId}" }), 'KinesisPutRecordRoute: path must be /-separated parts of [A-Za-z0-9._-] or {name}; got "orders/{eventId}"'],
    ["{streamName} with a fixed stream", (orders) => ordersRoute(orders, { path: "/orders/{streamName}/{eventId}" }), 'KinesisPutRecordRoute: path must not hold {streamName} when stream fixes the stream; got "/orders/{streamName}/{eventId}"'],
    ["no stream at all", () => new KinesisPutRecordsRoute({ idPrefix: "Batches", path: "/batches" }), 'KinesisPutRecordsRoute: path must hold {streamName} (the stream to write to) unless stream is given; got "/batches"'],
    ["a PutRecord path without the partition key", (orders) => ordersRoute(orders, { path: "/orders" }), 'KinesisPutRecordRoute: path must hold {eventId}, which the default request template reads, unless requestTemplate is given; got "/orders"'],
    ["a rate of 0", (orders) => ordersRoute(orders, { throttle: { rateLimit: 0, burstLimit: 1 } }), "KinesisPutRecordRoute: throttle.rateLimit must be a whole number from 1 to 10000 requests/s; got 0"],
    ["a model name with a dash", (orders) => ordersRoute(orders, { requestModel: { name: "my-order", schema: {} } }), 'KinesisPutRecordRoute: requestModel.name must be 1–255 characters of [A-Za-z0-9]; got "my-order"'],
  ])("refuses %s when the route is constructed, before it is added to an API", (_label, route, message) => {
    const { stack } = newStack();
    const orders = new DataStream(stack, "Orders", { streamName: "orders", alarms: false });
    expect(() => route(orders)).toThrow(message);
  });

  it("refuses another schema under a model's name when added, before creating any of the route's parts", () => {
    build((api, orders) => {
      const parts = api.node.children.length;
      expect(() => api.addRoute(ordersRoute(orders, { requestModel: { name: "Event", schema: {} } }))).toThrow(
        "test/Api: model Event is already defined with another schema; give this one another name",
      );
      expect(api.node.children).toHaveLength(parts);
    });
  });
});
