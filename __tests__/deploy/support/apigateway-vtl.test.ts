/**
 * Specifications for the API Gateway mapping-template renderer the end-to-end test uses in place of
 * API Gateway. Each case states one documented behaviour of API Gateway (AWS's "API Gateway mapping
 * template and access logging variable reference") or of Velocity 1.7, which API Gateway runs; the
 * Velocity cases were checked against velocity-1.7.jar. The last sections render the real templates of
 * modules/apigateway/ingest-api.ts, read from a synthesized stack.
 */
import { DataStream, IngestApi } from "../../../modules";
import { newStack, resourcesOf, synth } from "../../helpers/synth";
import {
  MappingPayloadError,
  MappingRequest,
  MappingTemplateError,
  MappingTemplateSyntaxError,
  RenderResult,
  renderGatewayResponseTemplate,
  renderMappingTemplate,
} from "./apigateway-vtl";

const render = (template: string, request: Partial<MappingRequest> = {}): RenderResult => renderMappingTemplate(template, { body: "", ...request });
const out = (template: string, request: Partial<MappingRequest> = {}): string => render(template, request).output;
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");
const syntaxError = (template: string): MappingTemplateSyntaxError => {
  try {
    render(template);
  } catch (e) {
    if (e instanceof MappingTemplateSyntaxError) return e;
    throw e;
  }
  throw new Error("expected a MappingTemplateSyntaxError");
};

const PAYLOAD = JSON.stringify({
  name: "widget",
  count: 3,
  ok: true,
  nothing: null,
  url: "https://example.com/a",
  tags: ["a", "b", "c"],
  owner: { id: "u-1", roles: ["admin"] },
  records: [{ data: { eventId: "e1" } }, { data: { eventId: "e2" } }],
});

describe("$input", () => {
  it("$input.body is the raw payload, byte for byte (not re-serialized)", () => {
    const body = '{ "b" : 1,\n  "a": "é" }';
    expect(out("$input.body", { body })).toBe(body);
    expect(out("$input.body", { body: "not json at all {" })).toBe("not json at all {");
  });

  it("$input.json(x) is the JSONPath result as JSON: strings quoted, objects compact, `/` escaped as json-smart does", () => {
    expect(out(`$input.json('$.name')`, { body: PAYLOAD })).toBe('"widget"');
    expect(out(`$input.json('$.count')`, { body: PAYLOAD })).toBe("3");
    expect(out(`$input.json('$.owner')`, { body: PAYLOAD })).toBe('{"id":"u-1","roles":["admin"]}');
    expect(out(`$input.json('$.tags')`, { body: PAYLOAD })).toBe('["a","b","c"]');
    expect(out(`$input.json('$.url')`, { body: PAYLOAD })).toBe('"https:\\/\\/example.com\\/a"');
    expect(out(`$input.json('$.nothing')`, { body: PAYLOAD })).toBe("null");
    expect(JSON.parse(out(`$input.json('$')`, { body: PAYLOAD }))).toEqual(JSON.parse(PAYLOAD));
  });

  it("$input.path(x) is an object to navigate in VTL, and a plain string for a string leaf", () => {
    expect(out(`"$input.path('$.name')"`, { body: PAYLOAD })).toBe('"widget"');
    expect(out(`#set($root = $input.path('$'))$root.owner.id|$root.owner.roles[0]|$root.tags.size()|$root.count`, { body: PAYLOAD })).toBe("u-1|admin|3|3");
    expect(out(`#foreach($t in $input.path('$.tags'))$t#end`, { body: PAYLOAD })).toBe("abc");
    expect(out(`$input.path('$.ok')`, { body: PAYLOAD })).toBe("true");
  });

  it("prints a JSON object the way Java prints a map, and a JSON array as JSON (json-smart's JSONArray)", () => {
    expect(out(`$input.path('$.owner')`, { body: PAYLOAD })).toBe('{id=u-1, roles=["admin"]}');
    expect(out(`$input.path('$.tags')`, { body: PAYLOAD })).toBe('["a","b","c"]');
  });

  it("supports the JSONPath forms $, $.a.b, $['a'], $.a[0], $.a[-1], [*]; a path without $ is relative to it", () => {
    const body = PAYLOAD;
    expect(out(`$input.path('$.owner.id')`, { body })).toBe("u-1");
    expect(out(`$input.path("$['owner']['id']")`, { body })).toBe("u-1");
    expect(out(`$input.path('$.tags[0]')|$input.path('$.tags[-1]')`, { body })).toBe("a|c");
    expect(out(`$input.json('$.records[*].data.eventId')`, { body })).toBe('["e1","e2"]');
    expect(out(`$input.path('owner.id')`, { body })).toBe("u-1");
  });

  it("a path that matches nothing is null, which renders empty (API Gateway renders null references as empty)", () => {
    expect(out(`[$input.path('$.missing')][$input.json('$.missing')][$input.path('$.tags[9]')][$input.path('$.name.x')]`, { body: PAYLOAD })).toBe("[][][][]");
  });

  it("refuses JSONPath it does not implement instead of guessing (filters, deep scan)", () => {
    expect(() => render(`$input.json('$.records[?(@.data)]')`, { body: PAYLOAD })).toThrow(MappingTemplateError);
    expect(() => render(`$input.json('$..eventId')`, { body: PAYLOAD })).toThrow(MappingTemplateError);
  });

  it("reads an empty payload as {} and a bare non-JSON word as a string, as json-smart does; broken JSON is a 400", () => {
    expect(out(`$input.json('$')`, { body: "" })).toBe("{}");
    expect(out(`$input.json('$')|$input.path('$')`, { body: "a=b" })).toBe('"a=b"|a=b');
    expect(() => render(`$input.path('$')`, { body: '{"a": ' })).toThrow(MappingPayloadError);
    expect(out("$input.body", { body: '{"a": ' })).toBe('{"a": '); // only templates that read the JSON need it to parse
  });

  it("$input.params() maps path, querystring and header to their parameters (the AWS reference's pass-through template)", () => {
    const template = [
      "#set($allParams = $input.params())",
      "{",
      "#foreach($type in $allParams.keySet())",
      "#set($params = $allParams.get($type))",
      '"$type" : {',
      "#foreach($paramName in $params.keySet())",
      '"$paramName" : "$util.escapeJavaScript($params.get($paramName))"#if($foreach.hasNext),#end',
      "#end",
      "}#if($foreach.hasNext),#end",
      "#end",
      "}",
    ].join("\n");
    const rendered = out(template, { pathParameters: { id: "p1" }, queryString: { q: "x y", page: "2" }, headers: { "X-Trace": "t" } });
    expect(JSON.parse(rendered)).toEqual({ path: { id: "p1" }, querystring: { q: "x y", page: "2" }, header: { "X-Trace": "t" } });
  });

  it("$input.params(x) searches the path, then the query string, then the headers; a missing name is empty", () => {
    const all = { pathParameters: { id: "from-path" }, queryString: { id: "from-query" }, headers: { id: "from-header" } };
    expect(out(`$input.params('id')`, all)).toBe("from-path");
    expect(out(`$input.params('id')`, { ...all, pathParameters: {} })).toBe("from-query");
    expect(out(`$input.params('id')`, { ...all, pathParameters: {}, queryString: {} })).toBe("from-header");
    expect(out(`[$input.params('none')]`, all)).toBe("[]");
  });
});

describe("$util", () => {
  it("escapeJavaScript escapes double quotes, backslashes and / and turns ' into \\' (the AWS reference's warning)", () => {
    expect(out(`$util.escapeJavaScript($input.path('$.s'))`, { body: JSON.stringify({ s: `say "hi" \\ it's a/b` }) })).toBe(`say \\"hi\\" \\\\ it\\'s a\\/b`);
  });

  it("escapeJavaScript writes newlines, tabs and other control characters as escapes", () => {
    expect(out(`$util.escapeJavaScript($input.path('$.s'))`, { body: JSON.stringify({ s: "a\nb\tc\rd\u0001e\bf\fg" }) })).toBe("a\\nb\\tc\\rd\\u0001e\\bf\\fg");
  });

  it("escapeJavaScript writes every non-ASCII UTF-16 unit as \\uXXXX (upper-case hex, surrogate pairs for emoji)", () => {
    const rendered = out(`$util.escapeJavaScript($input.path('$.s'))`, { body: JSON.stringify({ s: "é€😀" }) });
    expect(rendered).toBe("\\u00E9\\u20AC\\uD83D\\uDE00");
    expect(JSON.parse(`"${rendered}"`)).toBe("é€😀");
  });

  it("escapeJavaScript(...).replaceAll(\"\\\\'\",\"'\") (the AWS reference's fix) yields a valid JSON string", () => {
    const s = `it's "quoted"\n`;
    const rendered = out(`{"v":"$util.escapeJavaScript($input.path('$.s')).replaceAll("\\\\'","'")"}`, { body: JSON.stringify({ s }) });
    expect(JSON.parse(rendered)).toEqual({ v: s });
  });

  it("base64Encode encodes the UTF-8 bytes of a non-ASCII body; base64Decode reverses it", () => {
    const body = '{"name":"Zoë","price":"12 €","mood":"😀"}';
    expect(out("$util.base64Encode($input.body)", { body })).toBe(Buffer.from(body, "utf8").toString("base64"));
    expect(out("$util.base64Decode($util.base64Encode($input.body))", { body })).toBe(body);
    expect(out(`$util.base64Decode("w6k=")`)).toBe("é");
  });

  it("urlEncode is application/x-www-form-urlencoded (space as +, UTF-8 percent escapes); urlDecode reverses it", () => {
    expect(out(`$util.urlEncode("a b&c=d/é~*")`)).toBe("a+b%26c%3Dd%2F%C3%A9%7E*");
    expect(out(`$util.urlDecode("a+b%26c%3Dd%2F%C3%A9")`)).toBe("a b&c=d/é");
  });

  it("parseJson turns a JSON string into an object to navigate (the AWS reference's errorMessage example)", () => {
    const body = JSON.stringify({ errorMessage: JSON.stringify({ key1: "var1", key2: { arr: [1, 2, 3] } }) });
    const template = `#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n{"errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]}`;
    expect(JSON.parse(out(template, { body }))).toEqual({ errorMessageObjKey2ArrVal: 1 });
  });

  it("a util function of a null argument is null, so it renders empty", () => {
    expect(out(`[$util.escapeJavaScript($input.path('$.missing'))][$util.base64Encode($nothing)]`, { body: PAYLOAD })).toBe("[][]");
  });
});

describe("$context and $stageVariables", () => {
  const context = {
    requestId: "req-123",
    stage: "prod",
    httpMethod: "POST",
    resourcePath: "/submit/{streamName}/{eventId}",
    identity: { sourceIp: "198.51.100.7" },
    authorizer: { principalId: "alice", numKey: 1, boolKey: true, key: "value" },
  };

  it("exposes requestId, identity.sourceIp, stage, httpMethod and resourcePath", () => {
    expect(out("$context.requestId $context.identity.sourceIp $context.stage $context.httpMethod $context.resourcePath", { context })).toBe(
      "req-123 198.51.100.7 prod POST /submit/{streamName}/{eventId}",
    );
  });

  it("gives $context.authorizer.* the stringified values of the authorizer's context map", () => {
    expect(out(`$context.authorizer.principalId|$context.authorizer.key|#if($context.authorizer.numKey == "1")num is "1"#end|#if($context.authorizer.boolKey == "true")bool is "true"#end`, { context })).toBe(
      'alice|value|num is "1"|bool is "true"',
    );
    expect(out(`[$context.authorizer.missing]`, { context })).toBe("[]");
  });

  it("gives a random request id when none is given", () => {
    expect(out("$context.requestId")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("$context.error.messageString is the quoted $context.error.message; validationErrorString is as given", () => {
    const error = { message: "Invalid request body", validationErrorString: "[object has missing required properties ([\\\"eventId\\\"])]" };
    expect(out("$context.error.messageString|$context.error.validationErrorString", { context: { error } })).toBe(`"Invalid request body"|${error.validationErrorString}`);
  });

  it("#set($context.responseOverride.status = 429) is read back by the caller, and within the template", () => {
    const result = render("#set($context.responseOverride.status = 429)status=$context.responseOverride.status");
    expect(result.statusOverride).toBe(429);
    expect(result.output).toBe("status=429");
    expect(render("no override").statusOverride).toBeUndefined();
  });

  it("$context.responseOverride.header.X overrides a response header", () => {
    const result = render(`#set($context.responseOverride.header.Retry = "5")#set($context.responseOverride.header["X-Reason"] = "busy")`);
    expect(result.headerOverrides).toEqual({ Retry: "5", "X-Reason": "busy" });
  });

  it("overrides are final: setting one twice fails the request (API Gateway answers 5XX)", () => {
    expect(() => render("#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 500)")).toThrow(MappingTemplateError);
    expect(() => render(`#set($context.responseOverride.header.A = "1")#set($context.responseOverride.header.A = "2")`)).toThrow(MappingTemplateError);
  });

  it("$context.requestOverride.header.X is returned for request templates", () => {
    expect(render(`#set($context.requestOverride.header.header3 = "$input.params('h1')$input.params('h2')")`, { headers: { h1: "a", h2: "b" } }).requestOverrides.header).toEqual({ header3: "ab" });
  });

  it("$stageVariables.name, $stageVariables['name'] and ${stageVariables['name']} read a stage variable", () => {
    expect(out("$stageVariables.env|$stageVariables['env']|${stageVariables['env']}", { stageVariables: { env: "dev" } })).toBe("dev|dev|dev");
  });
});

describe("Velocity 1.7 as API Gateway runs it", () => {
  it("renders an unknown or null reference as empty, where plain Velocity would print it literally", () => {
    expect(out("[$undefinedVar][${undefinedVar}][$input.nothing][$util.noSuchFunction('x')][$input.path('$.missing').size()]", { body: PAYLOAD })).toBe("[][][][][]");
  });

  it("supports Java string methods: length, contains, substring, replaceAll (Java regex), startsWith, isEmpty, split, matches", () => {
    const hello = `#set($s = "Hello World")`;
    expect(out(`${hello}$s.length()|$s.contains("World")|$s.substring(6)|$s.substring(0, 5)|$s.startsWith("Hell")|$s.isEmpty()|#set($e = "")$e.isEmpty()`)).toBe(
      "11|true|World|Hello|true|false|true",
    );
    expect(out(`${hello}$s.replaceAll("(\\w+) (\\w+)", "$2 $1")|$s.replace("l", "L")|$s.toUpperCase()|$s.indexOf("o")|$s.matches("H.*d")|$s.equals("Hello World")`)).toBe(
      "World Hello|HeLLo WorLd|HELLO WORLD|4|true|true",
    );
    expect(out(`#set($csv = "a,b,,")#set($parts = $csv.split(","))$parts.size()|$parts[1]|$parts.get(0)`)).toBe("2|b|a");
  });

  it("resolves properties as Velocity does: `$string.length` without parentheses is null, `$string.empty` is isEmpty()", () => {
    expect(out(`#set($s = "abc")[$s.length][$s.empty]`)).toBe("[][false]");
  });

  it("an out-of-range substring throws in Java, which fails the request", () => {
    expect(() => render(`#set($s = "abc")$s.substring(5)`)).toThrow(MappingTemplateError);
  });

  it("supports size(), get(), isEmpty(), contains() on lists and size(), get(), keySet(), containsKey() on maps", () => {
    expect(out(`#set($l = ["x", "y"])$l.size()|$l.get(1)|$l.isEmpty()|$l.contains("x")`)).toBe("2|y|false|true");
    expect(out(`#set($m = $input.path('$.owner'))$m.size()|$m.get("id")|$m.keySet()|$m.containsKey("roles")|$m.isEmpty()`, { body: PAYLOAD })).toBe("2|u-1|[id, roles]|true|false");
  });

  it("#foreach offers $foreach.hasNext/index/count and Velocity 1.7's $velocityHasNext/$velocityCount", () => {
    expect(out("#foreach($x in [1, 2, 3])$x#if($foreach.hasNext),#end#end")).toBe("1,2,3");
    expect(out("#foreach($x in [1, 2, 3])$x#if($velocityHasNext),#end#end")).toBe("1,2,3");
    expect(out("#foreach($x in ['a', 'b'])$foreach.index:$foreach.count:$velocityCount;#end")).toBe("0:1:1;1:2:2;");
  });

  it("#foreach over a map iterates its values; #break leaves the loop at once", () => {
    expect(out(`#foreach($v in $input.path('$.owner'))[$v]#end`, { body: PAYLOAD })).toBe('[u-1][["admin"]]');
    expect(out("#foreach($x in [1, 2, 3])#if($x == 2)#break#end$x#end|after")).toBe("1|after");
  });

  it("#if is false only for null and false: an empty string and 0 are true (Velocity 1.7)", () => {
    expect(out(`#set($e = "")#set($z = 0)#if($e)T#else F#end|#if($z)T#else F#end|#if($nothing)T#else F#end|#if(!$nothing)T#end`)).toBe("T|T| F|T");
  });

  it("== compares numbers numerically and other kinds by their string form; / on integers is integer division", () => {
    expect(out(`#if(1 == 1.0)T#end|#if("1" == 1)T#end|#if(0 == "")T#else F#end|#set($q = 7 / 2)$q|#set($r = 7 % 2)$r`)).toBe("T|T| F|3|1");
  });

  it("#set with a null right-hand side leaves the variable unchanged", () => {
    expect(out(`#set($v = "kept")#set($v = $input.path('$.missing'))$v`, { body: PAYLOAD })).toBe("kept");
  });

  it("eats the newline after a directive, not the indentation before it", () => {
    expect(out("a\n#set($x = 1)\nb\n#if(true)\nT\n#end\nc")).toBe("a\nb\nT\nc");
    expect(out("a\n  #if(true)\n  T\n  #end\nb")).toBe("a\n    T\n  b");
  });

  it("keeps backslashes in string literals as written (Velocity has no escapes in them)", () => {
    expect(out(`#set($x = "\\\\'")$x|$x.length()`)).toBe("\\\\'|3");
  });
});

describe("templates that do not parse", () => {
  it("throw with the line of an unclosed #if", () => {
    const e = syntaxError("{\n#if($input.body)\n  x\n}");
    expect(e.line).toBe(2);
    expect(e.lineText).toBe("#if($input.body)");
    expect(e.message).toMatch(/line 2/);
  });

  it("throw on a stray #end or an #else outside #if (velocityjs alone would ignore them)", () => {
    expect(syntaxError("a\n#foreach($x in [1])$x#end\n#end").line).toBe(3);
    expect(syntaxError("a\n#else").line).toBe(2);
  });

  it("throw on a method call on a string literal, which Velocity's grammar does not allow", () => {
    const e = syntaxError(`#set($t = "x")\n#if("abc".contains("b"))y#end`);
    expect(e.line).toBe(2);
  });

  it("throw with the line of a syntax error", () => {
    const e = syntaxError("{\n  \"a\": 1,\n  #set($x = )\n}");
    expect(e.line).toBe(3);
    expect(e.lineText).toBe("  #set($x = )");
  });
});

// ------------------------------------------------------------------------------------------------
// The real templates of modules/apigateway/ingest-api.ts
// ------------------------------------------------------------------------------------------------

interface IntegrationTemplates {
  request: string;
  responses: Record<string, string>;
}

let submit: IntegrationTemplates;
let putRecords: IntegrationTemplates;
let gatewayResponses: Record<string, string>;

beforeAll(() => {
  const { stack } = newStack();
  const stream = new DataStream(stack, "Stream", { streamName: "events", alarms: false });
  new IngestApi(stack, "Api", { streams: [stream], apiName: "ingest", credentials: { secretName: "ingest/basic-auth" }, authorizerFunction: { functionName: "authorizer" } });
  const json = synth(stack);
  const responses = Object.values(resourcesOf(json, "aws_api_gateway_integration_response"));
  const templatesOf = (action: string): IntegrationTemplates => {
    const integration = Object.values(resourcesOf(json, "aws_api_gateway_integration")).find((i) => String(i.uri).endsWith(`kinesis:action/${action}`));
    if (!integration) throw new Error(`no integration calls ${action}`);
    const own = responses.filter((r) => r.resource_id === integration.resource_id);
    return {
      request: integration.request_templates["application/json"],
      responses: Object.fromEntries(own.map((r) => [r.status_code, r.response_templates["application/json"]])),
    };
  };
  submit = templatesOf("PutRecord");
  putRecords = templatesOf("PutRecords");
  gatewayResponses = Object.fromEntries(Object.values(resourcesOf(json, "aws_api_gateway_gateway_response")).map((r) => [r.response_type, r.response_templates["application/json"]]));
});

describe("the PutRecord route's templates (POST /submit/{streamName}/{eventId})", () => {
  it("renders the exact Kinesis PutRecord request: StreamName, PartitionKey from the path, Data = base64 of the raw body", () => {
    const body = '{"eventId":"evt-1","payload":{"temp":21.5,"city":"Zürich"},"note":"a/b 😀"}';
    const rendered = out(submit.request, { body, pathParameters: { streamName: "events", eventId: "evt-1" } });
    expect(JSON.parse(rendered)).toEqual({ StreamName: "events", PartitionKey: "evt-1", Data: b64(body) });
    expect(unb64(JSON.parse(rendered).Data)).toBe(body);
  });

  it("escapes a stream name or event id so the request stays valid JSON", () => {
    const rendered = out(submit.request, { body: "{}", pathParameters: { streamName: 'ev"ents', eventId: "caf\u00e9\\1" } });
    expect(JSON.parse(rendered)).toMatchObject({ StreamName: 'ev"ents', PartitionKey: "caf\u00e9\\1" });
  });

  it("keeps the request valid JSON for an event id with an apostrophe", () => {
    // $util.escapeJavaScript turns ' into \', which JSON does not allow (the AWS reference's warning).
    const rendered = out(submit.request, { body: "{}", pathParameters: { streamName: "events", eventId: "o'brien-1" } });
    expect(() => JSON.parse(rendered)).not.toThrow();
  });

  it("maps a PutRecord answer to {sequenceNumber, shardId}", () => {
    const body = JSON.stringify({ SequenceNumber: "49590338271490256608559692538361571095921575989136588898", ShardId: "shardId-000000000001" });
    expect(JSON.parse(out(submit.responses["200"], { body }))).toEqual({ sequenceNumber: "49590338271490256608559692538361571095921575989136588898", shardId: "shardId-000000000001" });
  });

  it("maps a Kinesis 5XX to an UpstreamError naming the request", () => {
    expect(JSON.parse(out(submit.responses["502"], { body: "{}", context: { requestId: "req-9" } }))).toEqual({
      error: "UpstreamError",
      message: "The stream service failed; retry with backoff",
      requestId: "req-9",
    });
  });
});

describe("the PutRecords route's templates (POST /streams/{streamName}/records)", () => {
  const records = [{ data: { eventId: "e-1", n: 1 } }, { data: { eventId: "e-2", city: "Zürich", url: "https://x/y" } }, { data: { eventId: "e-3", nested: { list: [1, 2] } } }];

  it("renders the exact Kinesis PutRecords request: one record per item, partitioned by its data.eventId", () => {
    const rendered = out(putRecords.request, { body: JSON.stringify({ records }), pathParameters: { streamName: "events" } });
    const request = JSON.parse(rendered);
    expect(request.StreamName).toBe("events");
    expect(request.Records.map((r: { PartitionKey: string }) => r.PartitionKey)).toEqual(["e-1", "e-2", "e-3"]);
    expect(request.Records.map((r: { Data: string }) => JSON.parse(unb64(r.Data)))).toEqual(records.map((r) => r.data));
  });

  it("writes each record's Data as base64 of $input.json of its data (compact JSON, `/` escaped, as API Gateway serializes)", () => {
    const rendered = out(putRecords.request, { body: JSON.stringify({ records: [records[1]] }), pathParameters: { streamName: "events" } });
    expect(JSON.parse(rendered)).toEqual({
      StreamName: "events",
      Records: [{ PartitionKey: "e-2", Data: b64('{"eventId":"e-2","city":"Zürich","url":"https:\\/\\/x\\/y"}') }],
    });
  });

  it("separates records with commas and leaves no trailing comma, for one record and for 500", () => {
    const one = out(putRecords.request, { body: JSON.stringify({ records: [records[0]] }), pathParameters: { streamName: "events" } });
    expect(JSON.parse(one).Records).toHaveLength(1);
    const many = Array.from({ length: 500 }, (_, i) => ({ data: { eventId: `id-${i}` } }));
    const rendered = out(putRecords.request, { body: JSON.stringify({ records: many }), pathParameters: { streamName: "events" } });
    expect(JSON.parse(rendered).Records.map((r: { PartitionKey: string }) => r.PartitionKey)).toEqual(many.map((r) => r.data.eventId));
  });

  it("keeps the request valid JSON for an event id with an apostrophe", () => {
    const rendered = out(putRecords.request, { body: JSON.stringify({ records: [{ data: { eventId: "o'brien-1" } }] }), pathParameters: { streamName: "events" } });
    expect(() => JSON.parse(rendered)).not.toThrow();
  });

  it("maps a PutRecords answer to {failedRecordCount, records}", () => {
    const answer = { FailedRecordCount: 1, Records: [{ SequenceNumber: "1", ShardId: "shardId-000000000000" }, { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded for shard" }] };
    expect(JSON.parse(out(putRecords.responses["200"], { body: JSON.stringify(answer) }))).toEqual({ failedRecordCount: 1, records: answer.Records });
  });
});

describe("the Kinesis error template (4XX from Kinesis, both routes)", () => {
  const kinesisError = (type: string, message?: string): RenderResult =>
    render(submit.responses["400"], { body: JSON.stringify({ __type: type, ...(message === undefined ? {} : { message }) }), context: { requestId: "req-7" } });

  it("is the same template on both routes", () => {
    expect(putRecords.responses["400"]).toBe(submit.responses["400"]);
  });

  it("is valid Velocity 1.7 (API Gateway fails every response it selects otherwise)", () => {
    expect(() => kinesisError("ResourceNotFoundException", "Stream events not found")).not.toThrow();
  });

  it("maps ProvisionedThroughputExceededException (and LimitExceeded, KMSThrottling) to 429 Throttled", () => {
    for (const type of ["ProvisionedThroughputExceededException", "LimitExceededException", "KMSThrottlingException"]) {
      const result = kinesisError(type, "Rate exceeded for shard shardId-000000000000");
      expect(result.statusOverride).toBe(429);
      expect(JSON.parse(result.output)).toEqual({ error: "Throttled", message: "The stream is at capacity; retry with backoff", requestId: "req-7" });
    }
  });

  it("maps ResourceNotFoundException and AccessDeniedException to 404 StreamNotFound", () => {
    for (const type of ["ResourceNotFoundException", "AccessDeniedException"]) {
      const result = kinesisError(type, "Stream nope under account 123456789012 not found.");
      expect(result.statusOverride).toBe(404);
      expect(JSON.parse(result.output)).toEqual({ error: "StreamNotFound", message: "No stream of that name is bound to this API", requestId: "req-7" });
    }
  });

  it("maps a ValidationException about a record's size to 413 PayloadTooLarge", () => {
    const result = kinesisError("ValidationException", "1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576");
    expect(result.statusOverride).toBe(413);
    expect(JSON.parse(result.output)).toMatchObject({ error: "PayloadTooLarge", requestId: "req-7" });
  });

  it("answers any other error as 400 BadRequest with Kinesis's message, as valid JSON", () => {
    const result = kinesisError("ValidationException", "1 validation error detected: Value 'bad name' at 'streamName' failed to satisfy constraint");
    expect(result.statusOverride).toBeUndefined();
    expect(JSON.parse(result.output)).toEqual({ error: "BadRequest", message: "1 validation error detected: Value 'bad name' at 'streamName' failed to satisfy constraint", requestId: "req-7" });
  });
});

describe("the gateway responses (not VTL: simple substitution)", () => {
  it("covers the response types ingest-api configures", () => {
    expect(Object.keys(gatewayResponses).sort()).toEqual(["ACCESS_DENIED", "BAD_REQUEST_BODY", "DEFAULT_4XX", "DEFAULT_5XX", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "THROTTLED", "UNAUTHORIZED"]);
  });

  it("substitutes $context variables only, an unknown one as empty", () => {
    expect(renderGatewayResponseTemplate(`{"id":"$context.requestId","x":"$context.nope","v":"$stageVariables.env"}`, { context: { requestId: "r-1" }, stageVariables: { env: "dev" } })).toBe(
      '{"id":"r-1","x":"","v":"dev"}',
    );
  });

  it("renders the UNAUTHORIZED and THROTTLED bodies as JSON naming the request", () => {
    expect(JSON.parse(renderGatewayResponseTemplate(gatewayResponses.UNAUTHORIZED, { context: { requestId: "r-2" } }))).toEqual({ error: "Unauthorized", message: "Basic credentials required", requestId: "r-2" });
    expect(JSON.parse(renderGatewayResponseTemplate(gatewayResponses.THROTTLED, { context: { requestId: "r-3" } }))).toMatchObject({ error: "Throttled", requestId: "r-3" });
  });

  it("renders the BAD_REQUEST_BODY body with the validation error as JSON", () => {
    const context = { requestId: "r-4", error: { message: "Invalid request body", validationErrorString: "[object has missing required properties ([\\\"eventId\\\"])]" } };
    expect(JSON.parse(renderGatewayResponseTemplate(gatewayResponses.BAD_REQUEST_BODY, { context }))).toEqual({
      error: "BadRequest",
      message: '[object has missing required properties (["eventId"])]',
      requestId: "r-4",
    });
  });

  it("renders the bodies that carry $context.error.messageString as valid JSON", () => {
    // messageString is already quoted ("the quoted value of $context.error.message").
    const context = { requestId: "r-5", error: { message: "Missing Authentication Token" } };
    for (const type of ["DEFAULT_4XX", "DEFAULT_5XX", "REQUEST_TOO_LARGE"]) {
      expect(() => JSON.parse(renderGatewayResponseTemplate(gatewayResponses[type], { context }))).not.toThrow();
    }
  });
});
