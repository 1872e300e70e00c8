import { policyOf, resourcesOf } from "../../helpers/synth";
import { build, ofRoute, ordersRoute } from "./kinesis-route-fixture";

describe("KinesisPutRecordRoute", () => {
  it("a route a user adds gets its path, method, integration and the six responses, and the API role may write to its stream", () => {
    const { json } = build((api, orders) => api.addRoute(ordersRoute(orders)));
    const resources = resourcesOf(json, "aws_api_gateway_resource");
    const idOfPart = (pathPart: string) => Object.keys(resources).find((k) => resources[k].path_part === pathPart)!;
    const [ordersId, orderId] = [idOfPart("orders"), idOfPart("{eventId}")];
    expect(ordersId).toMatch(/^Api_Resource-orders_\w+$/);
    expect(resources[ordersId].parent_id).toMatch(/^\$\{aws_api_gateway_rest_api\.Api_\w+\.root_resource_id\}$/);
    expect(resources[orderId].parent_id).toBe(`\${aws_api_gateway_resource.${ordersId}.id}`);

    const [method] = ofRoute(json, "aws_api_gateway_method", "OrdersMethod");
    expect(method).toMatchObject({
      http_method: "POST",
      resource_id: `\${aws_api_gateway_resource.${orderId}.id}`,
      authorization: "CUSTOM",
      authorizer_id: expect.stringContaining("aws_api_gateway_authorizer"),
      request_validator_id: expect.stringContaining("aws_api_gateway_request_validator"),
      request_parameters: { "method.request.path.eventId": true },
      request_models: { "application/json": expect.stringMatching(/aws_api_gateway_model\.Api_EventModel_\w+\.name/) },
    });
    const [integration] = ofRoute(json, "aws_api_gateway_integration", "OrdersIntegration");
    expect(integration.uri).toBe("arn:aws:apigateway:eu-west-1:kinesis:action/PutRecord");
    // The stream is fixed: its name is in the template, no {streamName} is read.
    expect(integration.request_templates["application/json"]).toMatch(/^\{"StreamName":"orders","PartitionKey":"\$util\.escapeJavaScript\(\$input\.params\('eventId'\)\)/);
    expect(ofRoute(json, "aws_api_gateway_method_response", "OrdersResponse").map((r) => r.status_code)).toEqual(["200", "400", "404", "413", "429", "502"]);
    expect(ofRoute(json, "aws_api_gateway_integration_response", "OrdersIntegration").map((r) => [r.status_code, r.selection_pattern])).toEqual([
      ["200", undefined], ["400", "4\\d{2}"], ["502", "5\\d{2}"],
    ]);
    const kinesisRole = Object.entries(resourcesOf(json, "aws_iam_role_policy")).find(([k]) => k.includes("KinesisRole"))![1];
    expect(policyOf(kinesisRole).Statement).toContainEqual({
      Effect: "Allow",
      Action: ["kinesis:PutRecord", "kinesis:PutRecords"],
      Resource: expect.stringMatching(/^\$\{aws_kinesis_stream\.Orders_\w+\.arn\}$/),
    });
  });
});
