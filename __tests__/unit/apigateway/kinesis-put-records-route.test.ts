import { KinesisPutRecordsRoute } from "../../../modules";
import { resourcesOf } from "../../helpers/synth";
import { build, ofRoute } from "./kinesis-route-fixture";

describe("KinesisPutRecordsRoute", () => {
  it("a {streamName} route writes to whichever bound stream the path names", () => {
    const { json } = build((api) => api.addRoute(new KinesisPutRecordsRoute({ idPrefix: "Batches", path: "/batches/{streamName}" })));
    const [integration] = ofRoute(json, "aws_api_gateway_integration", "BatchesIntegration");
    expect(integration.uri).toBe("arn:aws:apigateway:eu-west-1:kinesis:action/PutRecords");
    expect(integration.request_templates["application/json"]).toContain(`{"StreamName":"$util.escapeJavaScript($input.params('streamName'))`);
    // The built-in batch route's model is shared, not defined twice.
    expect(Object.values(resourcesOf(json, "aws_api_gateway_model")).map((m) => m.name).sort()).toEqual(["Event", "EventBatch"]);
  });
});
