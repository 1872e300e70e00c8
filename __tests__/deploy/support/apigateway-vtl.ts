/**
 * Renders API Gateway REST mapping templates (integration request and response templates) the way
 * API Gateway does, on velocityjs, so end-to-end tests can play API Gateway's part in front of an
 * emulator that passes templates through unrendered.
 *
 * Sources (the reference of record is AWS's "API Gateway mapping template and access logging variable
 * reference", doc_source/api-gateway-mapping-template-reference.md of awsdocs/amazon-api-gateway-developer-guide,
 * and doc_source/apigateway-override-request-response-parameters.md):
 * - `$input.body` is the raw payload; `$input.json(x)` a JSONPath result as a JSON string; `$input.path(x)`
 *   the result as an object (a string for string leaves); `$input.params()` a map of `path`,
 *   `querystring`, `header`; `$input.params(x)` searches path, query string, header, in that order.
 * - `$util.escapeJavaScript` uses JavaScript string rules and turns `'` into `\'` (the doc warns that is not
 *   valid JSON): that is Commons Lang's StringEscapeUtils.escapeJavaScript, which this matches character for
 *   character (checked against commons-lang 2.6: `"` `\` `/` escaped, other non-ASCII and control
 *   characters as `\uXXXX`); `$util.base64Encode/Decode` and `urlEncode/Decode` use UTF-8 (urlEncode checked
 *   against java.net.URLEncoder: form encoding, space as `+`).
 * - `$context.responseOverride.status` / `.header.X` override the response; "overrides are final":
 *   setting one twice makes API Gateway answer 5XX (here: MappingTemplateError).
 * - Gateway responses (`aws_api_gateway_gateway_response`) are NOT processed by VTL, only by simple variable
 *   substitution: render them with `renderGatewayResponseTemplate`. `$context.error.messageString` is the
 *   quoted value of `$context.error.message`.
 *
 * The template language is Velocity 1.7 (what API Gateway runs). Every difference from velocityjs below
 * was checked against Apache Velocity 1.7 itself (velocity-1.7.jar, default configuration):
 * - a template that does not parse (a method call on a string literal, an unclosed `#if`, a stray
 *   `#end` or `#else`) throws MappingTemplateSyntaxError naming the template line; velocityjs would
 *   silently ignore a stray `#end` and render an unclosed block's body twice;
 * - `#if($x)` is false only for null and `false` (an empty string, 0 and an empty list are true);
 *   a literal condition (`#if("x")`) is false; `==` compares numbers numerically, else by toString();
 *   `/` and `%` on integers are integer division; arithmetic on null gives null;
 * - `#set($x = <null>)` leaves `$x` unchanged;
 * - `#foreach` over a map iterates its values; `$foreach.index/count/hasNext/first/last`,
 *   `$velocityCount` (from 1) and `$velocityHasNext`; `#break` leaves the loop at once;
 * - Java methods on strings (`length()`, `contains()`, `substring()`, `replaceAll()` with Java regex and
 *   `$1` replacements, `split()` dropping trailing empty strings, `matches()`, `equals()`, …), on lists
 *   (`size()`, `get(i)`, `isEmpty()`, `contains()`, …) and on maps (`get(k)`, `keySet()`, `containsKey()`,
 *   `put()`, `entrySet()`, …); properties resolve like Velocity's (a map's key, `$list.empty`,
 *   `$string.empty`), not like JavaScript's (`$string.length` is null, as in Velocity);
 * - calling a method the value's Java type does not have gives null; a Java method that would throw
 *   (`substring` out of range, `get(i)` past the end, a bad regex) throws MappingTemplateError.
 *
 * Null and undefined references: plain Velocity 1.7 renders `$undefinedVar` literally (checked). API
 * Gateway renders every null reference as an empty string instead, as if each were `$!ref`: observed
 * against a deployed API (ToQoz/api-gateway-mapping-template, test/_.md: `$input.keySet`, `$util.urlEncode`
 * without parentheses render empty) and likewise emulated by serverless-offline ("silent mode, just like
 * APIG"). This renderer does the same: unknown or null references render as "".
 *
 * Payloads: API Gateway parses them with json-smart (its 400 says `net.minidev.json.parser.ParseException`)
 * through Jayway JsonPath. So, as checked against json-smart 2.5 and json-path 2.9: an empty body is `{}`;
 * a body that is not JSON but does not start with `{` or `[` is a string; `$input.json` serializes like
 * json-smart (`/` as `\/`, U+007F–U+009F and U+2000–U+20FF as `\uXXXX`); a definite path that does not
 * match is null; a wildcard path gives a list; rendering a JSON array in VTL prints it as JSON while a
 * JSON object prints as `{key=value, …}` (LinkedHashMap.toString).
 *
 * Known deviations. JavaScript cannot tell: a JSON number `1.0` is the number 1 (Velocity and json-smart
 * print `1.0`); integers beyond 2^53 lose precision; object keys that look like array indexes ("2") come
 * first. Not implemented: a body only json-smart's permissive mode accepts (`{a:1}`, single quotes) is
 * rejected; braced directives other than `#{end}`/`#{else}` (`#{if}(…)`) are refused; `\$undefined` prints
 * `$undefined` (Velocity keeps the backslash when the reference is undefined); `$string.split()` prints like
 * a list (`[a, b]`) where Velocity prints a Java array's identity; `$util.base64Decode` is lenient with
 * malformed input. Not documented by AWS, chosen here: `$input.params(x)` of a missing name is "" (so
 * `#if` finds it true), header names match case-insensitively there, `$input.json(x)` of a path that
 * matches nothing renders "" and each `$input.path(x)` returns a fresh copy of the payload's part.
 */
import * as path from "path";
import { randomUUID } from "crypto";
import { Compile } from "velocityjs";

// ---------------------------------------------------------------------------------------------
// Public interface
// ---------------------------------------------------------------------------------------------

export interface MappingRequest {
  /** The payload: the method request body for request templates, the integration response body for response templates. */
  body: string;
  pathParameters?: Record<string, string>;
  queryString?: Record<string, string>;
  headers?: Record<string, string>;
  stageVariables?: Record<string, string>;
  /**
   * `$context` values, merged (deeply) over defaults: a random `requestId`, `requestTime`, `requestTimeEpoch`.
   * `authorizer` values are stringified as API Gateway does; `error.messageString` defaults to the
   * quoted `error.message`.
   */
  context?: Record<string, unknown>;
}

export interface RenderResult {
  output: string;
  /** `$context.responseOverride.status`, when the template set it. */
  statusOverride?: number;
  /** `$context.responseOverride.header.*`. */
  headerOverrides: Record<string, string>;
  /** `$context.requestOverride.{header,path,querystring}.*` (request templates). */
  requestOverrides: { header: Record<string, string>; path: Record<string, string>; querystring: Record<string, string> };
}

/** The template is not valid Velocity 1.7: API Gateway fails the request (500) instead of rendering it. */
export class MappingTemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
    readonly lineText: string | undefined,
  ) {
    super(message);
    this.name = "MappingTemplateSyntaxError";
  }
}

/** Rendering failed at run time (a Java method threw, an override was set twice): API Gateway answers 5XX. */
export class MappingTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MappingTemplateError";
  }
}

/** The payload is not JSON but `$input.json`/`$input.path` needed it: API Gateway answers 400 "Could not process payload". */
export class MappingPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MappingPayloadError";
  }
}

/** Renders a request or response mapping template as API Gateway does. */
export function renderMappingTemplate(template: string, request: MappingRequest): RenderResult {
  const tree = compileTemplate(template);
  const overrides = new Overrides();
  const context = buildContext(request, overrides);
  const vm: Record<string, unknown> = Object.create(null);
  vm.input = new InputVariable(request);
  vm.util = new UtilVariable();
  vm.context = context;
  vm.stageVariables = { ...(request.stageVariables ?? {}) };
  const engine = new ApiGatewayVelocity(tree as never, {
    escape: false,
    customMethodHandlers: [{ uid: "apigateway-java-methods", match: () => true, resolve: ({ property, context: base, params }) => callJavaMethod(base, property, params) }],
  });
  const output = engine.render(vm, undefined, true);
  return { output, statusOverride: overrides.status, headerOverrides: { ...overrides.responseHeader }, requestOverrides: overrides.requestSnapshot() };
}

/**
 * Renders a gateway response body template (UNAUTHORIZED, DEFAULT_4XX, …). API Gateway does not run
 * these through VTL: it only substitutes `$context.*` and `$stageVariables.*`; an unknown variable renders "".
 */
export function renderGatewayResponseTemplate(template: string, request: Omit<MappingRequest, "body">): string {
  const context = buildContext({ ...request, body: "" }, new Overrides());
  const stage: Record<string, unknown> = { ...(request.stageVariables ?? {}) };
  return template.replace(/\$(context|stageVariables)((?:\.[A-Za-z0-9_-]+)+)/g, (_m, root: string, dotted: string) => {
    let value: unknown = root === "context" ? context : stage;
    for (const key of dotted.slice(1).split(".")) value = isMap(value) && hasOwn(value, key) ? value[key] : undefined;
    return value === undefined || value === null || typeof value === "object" ? "" : String(value);
  });
}

// ---------------------------------------------------------------------------------------------
// Parsing: velocityjs's jison parser, then Velocity 1.7's block rules
// ---------------------------------------------------------------------------------------------

interface Pos {
  first_line: number;
  first_column: number;
}
/** The velocityjs AST nodes this file reads (its types are not exported from the package entry). */
interface AstNode {
  type: string;
  pos?: Pos;
  id?: unknown;
  value?: unknown;
  [key: string]: unknown;
}
type FlatAst = string | AstNode;
type TreeAst = string | AstNode | TreeAst[];

interface JisonError extends Error {
  hash?: { line?: number; loc?: { first_line?: number; first_column?: number } };
}

/**
 * velocityjs's `parse()` nests blocks without checking them (a stray `#end` is dropped, an unclosed block's
 * body is rendered twice), so this takes the flat node list from its parser module and nests it here.
 * The package's `exports` hides that module, so it is loaded by file path next to the entry point.
 */
const flatParse: (template: string) => FlatAst[] = (() => {
  const entry = require.resolve("velocityjs");
  const mod = require(path.join(path.dirname(entry), "parse", "index.cjs")) as { parse_1?: (s: string) => FlatAst[] };
  if (typeof mod.parse_1 !== "function") throw new Error(`velocityjs parser module not found next to ${entry}`);
  return mod.parse_1;
})();

const BLOCK_TYPES = new Set(["if", "foreach", "macro", "define", "noescape", "macro_body"]);
const DIRECTIVE_NAMES: Record<string, string> = { if: "#if", foreach: "#foreach", macro: "#macro", define: "#define", noescape: "#noescape", macro_body: "#@macro" };
/** Velocity 1.x eats spaces, tabs and one newline after a directive's closing parenthesis, `#else` and `#end`. */
const GOBBLE = /^[ \t]*(\r\n|\n|\r)/;

function compileTemplate(template: string): TreeAst[] {
  const lines = template.split(/\r\n|\n|\r/);
  const fail = (message: string, line: number | undefined): never => {
    const text = line !== undefined ? lines[line - 1] : undefined;
    throw new MappingTemplateSyntaxError(
      line !== undefined ? `mapping template does not parse at line ${line} (${JSON.stringify(text)}): ${message}` : `mapping template does not parse: ${message}`,
      line,
      text,
    );
  };
  let flat: FlatAst[];
  try {
    flat = flatParse(template);
  } catch (e) {
    const err = e as JisonError;
    const line = err.hash?.loc?.first_line ?? (err.hash?.line !== undefined ? err.hash.line + 1 : undefined);
    // jison's message: a headline, the offending text, a caret, then what it expected.
    const messageLines = String(err.message).split("\n");
    return fail(messageLines.length > 2 ? `${messageLines[0]} ${messageLines[messageLines.length - 1]}` : messageLines.join(" "), line);
  }
  // velocityjs's lexer reads a bare `#stop` as the text "#s" + "top…": make it the #stop directive.
  for (let i = 0; i + 1 < flat.length; i++) {
    const node = flat[i];
    const next = flat[i + 1];
    if (typeof node === "string" && node.endsWith("#s") && !node.endsWith("\\#s") && typeof next === "string" && /^top(?![A-Za-z0-9_(-])/.test(next)) {
      const stop: AstNode = { type: "macro_call", id: "stop", args: [], pos: { first_line: lineOf(flat, i + 1) ?? 1, first_column: 0 } };
      flat.splice(i, 2, ...(node.length > 2 ? [node.slice(0, -2)] : []), stop, ...(next.length > 3 ? [next.slice(3)] : []));
    }
  }
  // velocityjs reads `#{if}(…)`, `#{foreach}(…)`, `#{set}(…)` as text: refuse them rather than print them.
  flat.forEach((node, i) => {
    const next = flat[i + 1];
    if (typeof node === "string" && node.endsWith("#{") && typeof next === "string") {
      const braced = /^(if|elseif|foreach|set|macro|define|break|stop|evaluate|parse|include)\}/.exec(next);
      if (braced) fail(`the braced directive #{${braced[1]}} is not supported by this renderer (write #${braced[1]})`, lineOf(flat, i));
    }
  });
  // Check the block structure as Velocity's parser does.
  const stack: Array<{ node: AstNode; sawElse: boolean }> = [];
  for (const node of flat) {
    if (typeof node === "string") continue;
    const line = node.pos?.first_line;
    if (BLOCK_TYPES.has(node.type)) stack.push({ node, sawElse: false });
    else if (node.type === "end") {
      if (!stack.pop()) fail("#end without an open #if, #foreach or #macro", line);
    } else if (node.type === "else" || node.type === "elseif") {
      const top = stack[stack.length - 1];
      if (!top || top.node.type !== "if") fail(`#${node.type} outside an #if`, line);
      else if (top.sawElse) fail(`#${node.type} after #else`, line);
      else if (node.type === "else") top.sawElse = true;
    }
  }
  const open = stack.pop();
  if (open) fail(`${DIRECTIVE_NAMES[open.node.type] ?? open.node.type} is never closed with #end`, open.node.pos?.first_line);
  // Whitespace: the newline after a directive (not after a reference or raw text) is eaten.
  const gobbled = flat.map((node, i) => {
    const previous = flat[i - 1];
    if (typeof node !== "string" || previous === undefined || typeof previous === "string") return node;
    return previous.type === "references" || previous.type === "raw" ? node : node.replace(GOBBLE, "");
  });
  return nest(gobbled);
}

/** The line of a text node: the line after the nearest node before it that knows its position. */
function lineOf(flat: FlatAst[], index: number): number | undefined {
  let line = 1;
  for (let i = 0; i < index; i++) {
    const node = flat[i];
    if (typeof node === "string") line += (node.match(/\r\n|\n|\r/g) ?? []).length;
    else if (node.pos) line = node.pos.first_line;
  }
  return line;
}

/** Nests a checked flat list: each block becomes `[opener, ...body]` (velocityjs's tree shape). */
function nest(flat: FlatAst[]): TreeAst[] {
  const root: TreeAst[] = [];
  const stack: TreeAst[][] = [root];
  for (const node of flat) {
    const top = stack[stack.length - 1];
    if (typeof node !== "string" && node.type === "end") stack.pop();
    else if (typeof node !== "string" && BLOCK_TYPES.has(node.type)) {
      const block: TreeAst[] = [node];
      top.push(block);
      stack.push(block);
    } else top.push(node);
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// The engine: velocityjs's Compile with Velocity 1.7 semantics where they differ
// ---------------------------------------------------------------------------------------------

let scopeIds = 0;
const PRECOMPUTED = "__apigateway_precomputed_value";
const LITERAL_TYPES = new Set(["string", "integer", "decimal", "array", "map"]);
const BOOLEAN_OPERATORS = new Set(["==", "!=", "<", ">", "<=", ">=", "&&", "||", "not"]);

interface ApiGatewayVelocity {
  getPropMethod(property: AstNode, baseRef: unknown, ast: AstNode): unknown;
}

class ApiGatewayVelocity extends Compile {
  /** Renders a node list; unlike velocityjs it stops at `#break` and prints values with Java's toString. */
  override renderAstList(asts?: never, contextId?: string): string {
    const list = (asts ?? this.asts) as unknown as TreeAst[];
    if (contextId) {
      if (contextId !== this.contextId && !this.conditions.includes(contextId)) this.conditions.unshift(contextId);
      this.contextId = contextId;
    } else this.contextId = "";
    let out = "";
    for (const ast of list) {
      if (this.runState.stop || this.runState.break) break;
      if (typeof ast === "string") out += ast;
      else if (Array.isArray(ast)) out += this.getBlock(ast as never);
      else if (ast.type === "references") out += javaToString(this.getReferences(ast as never, true));
      else if (ast.type === "set") this.setValue(ast as never);
      else if (ast.type === "break") this.runState.break = true;
      else if (ast.type === "macro_call") out += String(this.getMacro(ast as never) ?? "");
      else if (ast.type === "raw") out += String(ast.value);
      else if (ast.type !== "comment") throw new MappingTemplateError(`unexpected template node ${ast.type} at line ${ast.pos?.first_line ?? "?"}`);
    }
    return out;
  }

  /** Velocity 1.7 with API Gateway's null handling: a null (or method-valued) reference renders "". */
  // `any`: velocityjs types the result as string, but it is any template value.
  protected override getReferences(ast: never, isVal?: boolean): any {
    let value: unknown = super.getReferences(ast, isVal);
    if (typeof value === "function") value = undefined;
    if (isVal && (value === undefined || value === null)) return "";
    return value;
  }

  /** `$a.b`: Velocity's property rules (a map's key, a bean getter), not JavaScript's. */
  getAttributes(property: AstNode, baseRef: unknown, ast: AstNode): unknown {
    if (baseRef === undefined || baseRef === null) return undefined;
    if (property.type === "method") return this.getPropMethod(property, baseRef, ast);
    if (property.type === "index") return this.getPropIndex(property, baseRef);
    return javaProperty(baseRef, String(property.id));
  }

  /** `$a[i]`: a list's element or a map's key. */
  getPropIndex(property: AstNode, baseRef: unknown): unknown {
    const keyAst = property.id as AstNode;
    const key = keyAst.type === "references" ? this.getReferences(keyAst as never) : this.getLiteral(keyAst as never);
    if (Array.isArray(baseRef)) return typeof key === "number" && Number.isInteger(key) && key >= 0 && key < baseRef.length ? baseRef[key] : undefined;
    if (isMap(baseRef) && typeof key === "string") return hasOwn(baseRef, key) ? baseRef[key] : undefined;
    return undefined;
  }

  // `any`: velocityjs types the result as string, but it is any template value.
  protected override getLiteral(literal: never): any {
    const node = literal as AstNode;
    if (node && node.type === PRECOMPUTED) return node.value;
    return super.getLiteral(literal);
  }

  /** `#set($x = <null>)` leaves `$x` as it was (Velocity 1.7); the right side is evaluated once. */
  protected override setValue(ast: never): void {
    const node = ast as AstNode;
    const [left, right] = node.equal as [AstNode, AstNode];
    const value = right.type === "math" ? this.getExpression(right as never) : this.getLiteral(right as never);
    if (value === undefined || value === null) return;
    super.setValue({ ...node, equal: [left, { type: PRECOMPUTED, value }] } as never);
  }

  /** Operators with Velocity 1.7's semantics. */
  // `any`: velocityjs types the result as string, but it is any template value.
  protected override getExpression(ast: never): any {
    const node = ast as AstNode;
    if (node.type !== "math") return super.getExpression(ast);
    const operands = node.expression as AstNode[];
    const value = (i: number): unknown => this.getExpression(operands[i] as never);
    switch (node.operator) {
      case "||":
        return this.condition(operands[0]) || this.condition(operands[1]);
      case "&&":
        return this.condition(operands[0]) && this.condition(operands[1]);
      case "not":
        return !this.condition(operands[0]);
      case "==":
        return javaEquals(value(0), value(1));
      case "!=":
        return !javaEquals(value(0), value(1));
      case "<":
      case ">":
      case "<=":
      case ">=":
        return compareNumbers(String(node.operator), value(0), value(1));
      case "+": {
        const [a, b] = [value(0), value(1)];
        if (a === undefined || a === null || b === undefined || b === null) return undefined;
        if (typeof a === "number" && typeof b === "number") return a + b;
        return typeof a === "string" || typeof b === "string" ? javaToString(a) + javaToString(b) : undefined;
      }
      case "-":
      case "*":
      case "/":
      case "%":
        return arithmetic(String(node.operator), value(0), value(1));
      case "minus": {
        const a = value(0);
        return typeof a === "number" ? -a : undefined;
      }
      case "parenthesis":
        return value(0);
      default:
        return super.getExpression(ast);
    }
  }

  /** The truth of a condition node: Velocity's evaluate(), not its value. */
  private condition(node: AstNode): boolean {
    if (node.type === "bool") return node.value === "true";
    if (LITERAL_TYPES.has(node.type)) return false;
    if (node.type === "math") {
      const op = String(node.operator);
      if (op === "parenthesis") return this.condition((node.expression as AstNode[])[0]);
      return BOOLEAN_OPERATORS.has(op) ? this.getExpression(node as never) === true : false;
    }
    const value: unknown = this.getExpression(node as never);
    return value !== undefined && value !== null && value !== false;
  }

  getBlockIf(block: TreeAst[]): string {
    const chosen: TreeAst[] = [];
    let taken = false;
    for (const ast of block) {
      const isBranch = !Array.isArray(ast) && typeof ast !== "string" && (ast.type === "if" || ast.type === "elseif" || ast.type === "else");
      if (!isBranch) {
        if (taken) chosen.push(ast);
        continue;
      }
      if (taken) break;
      const branch = ast as AstNode;
      taken = branch.type === "else" ? true : this.condition(branch.condition as AstNode);
    }
    return this.renderAstList(chosen as never, this.contextId);
  }

  /** `#foreach`: lists, a map's values; `$foreach.*`, `$velocityCount`, `$velocityHasNext`. */
  getBlockEach(block: TreeAst[]): string {
    const head = block[0] as AstNode;
    const from: unknown = this.getLiteral({ ...(head.from as AstNode), pos: head.pos } as never);
    const items = Array.isArray(from) ? [...from] : isMap(from) ? Object.values(from) : undefined;
    if (!items || items.length === 0) return "";
    const body = block.slice(1);
    const contextId = `foreach:${++scopeIds}`;
    const parent = this.getLocal({ type: "references", id: "foreach" });
    let out = "";
    for (let i = 0; i < items.length && !this.runState.break && !this.runState.stop; i++) {
      const scope = new ForeachScope(i, items.length, parent.isLocal ? parent.value : undefined);
      this.local[contextId] = { [String(head.to)]: items[i], foreach: scope, velocityCount: i + 1, velocityHasNext: i + 1 < items.length };
      out += this.renderAstList(body as never, contextId);
    }
    this.runState.break = false;
    this.local[contextId] = {};
    const at = this.conditions.indexOf(contextId);
    if (at >= 0) this.conditions.splice(at, 1);
    this.contextId = this.conditions[0] ?? "";
    return out;
  }

  /** A variable of an enclosing `#foreach` or macro call. */
  getLocal(ast: AstNode): { value: unknown; isLocal: boolean } {
    const id = String(ast.id);
    for (const contextId of this.conditions) {
      const scope = this.local[contextId];
      if (isObject(scope) && hasOwn(scope, id)) return { value: scope[id], isLocal: true };
    }
    return { value: undefined, isLocal: false };
  }

  /** Interpolated string literals are parsed by the same (checked) parser. */
  protected override evalStr(str: string): string {
    return this.renderAstList(compileTemplate(str) as never, this.contextId);
  }
}

// ---------------------------------------------------------------------------------------------
// $input, $util, $context
// ---------------------------------------------------------------------------------------------

/** An object with Java-bean behaviour in templates: named properties and methods, and no toString of its own. */
abstract class VtlObject {
  abstract property(name: string): unknown;
  abstract method(name: string, args: unknown[]): unknown;
  toString(): string {
    return "";
  }
}

class ForeachScope extends VtlObject {
  constructor(
    readonly index: number,
    readonly size: number,
    readonly parent: unknown,
  ) {
    super();
  }
  property(name: string): unknown {
    const values: Record<string, unknown> = {
      index: this.index,
      count: this.index + 1,
      hasNext: this.index + 1 < this.size,
      first: this.index === 0,
      last: this.index + 1 === this.size,
      parent: this.parent,
    };
    return hasOwn(values, name) ? values[name] : undefined;
  }
  method(name: string, args: unknown[]): unknown {
    if (args.length > 0) return undefined;
    const bean = /^(get|is)([A-Z]\w*)$/.exec(name);
    if (bean) return this.property(bean[2][0].toLowerCase() + bean[2].slice(1));
    return name === "hasNext" ? this.property("hasNext") : undefined;
  }
}

class MapEntry extends VtlObject {
  constructor(
    readonly key: string,
    readonly value: unknown,
  ) {
    super();
  }
  property(name: string): unknown {
    return name === "key" ? this.key : name === "value" ? this.value : undefined;
  }
  method(name: string, args: unknown[]): unknown {
    if (args.length === 0 && name === "getKey") return this.key;
    if (args.length === 0 && name === "getValue") return this.value;
    if (args.length === 0 && name === "toString") return this.toString();
    return undefined;
  }
  override toString(): string {
    return `${this.key}=${javaToString(this.value)}`;
  }
}

class InputVariable extends VtlObject {
  private parsed: { value: unknown } | undefined;

  constructor(private readonly request: MappingRequest) {
    super();
  }

  property(name: string): unknown {
    return name === "body" ? this.request.body : undefined;
  }

  method(name: string, args: unknown[]): unknown {
    const [x] = args;
    switch (name) {
      case "getBody":
        return this.request.body;
      case "json":
        return typeof x === "string" ? this.json(x) : undefined;
      case "path":
        return typeof x === "string" ? this.path(x) : undefined;
      case "params":
        return args.length === 0 ? this.allParams() : typeof x === "string" ? this.param(x) : undefined;
      default:
        return undefined;
    }
  }

  private payload(): unknown {
    if (!this.parsed) this.parsed = { value: parsePayload(this.request.body) };
    return this.parsed.value;
  }

  /** A JSONPath result as a JSON string (json-smart's serialization; a JSON null is "null"); null where nothing matches. */
  private json(jsonPath: string): string | undefined {
    const result = evaluateJsonPath(this.payload(), jsonPath);
    return result.found ? jsonSmartStringify(result.value) : undefined;
  }

  /** A JSONPath result as an object: maps, JSON arrays, strings, numbers; null where nothing matches. */
  private path(jsonPath: string): unknown {
    const result = evaluateJsonPath(this.payload(), jsonPath);
    return result.found && result.value !== null ? cloneJson(result.value) : undefined;
  }

  private allParams(): Record<string, Record<string, string>> {
    return {
      path: { ...(this.request.pathParameters ?? {}) },
      querystring: { ...(this.request.queryString ?? {}) },
      header: { ...(this.request.headers ?? {}) },
    };
  }

  /** Path, then query string, then header (header names match case-insensitively); "" if none. */
  private param(name: string): string {
    const { pathParameters = {}, queryString = {}, headers = {} } = this.request;
    if (hasOwn(pathParameters, name)) return pathParameters[name];
    if (hasOwn(queryString, name)) return queryString[name];
    if (hasOwn(headers, name)) return headers[name];
    const header = Object.keys(headers).find((h) => h.toLowerCase() === name.toLowerCase());
    return header !== undefined ? headers[header] : "";
  }
}

class UtilVariable extends VtlObject {
  property(): unknown {
    return undefined;
  }
  method(name: string, args: unknown[]): unknown {
    if (args.length !== 1) return undefined;
    const [x] = args;
    if (x === undefined || x === null) return undefined;
    const s = typeof x === "string" ? x : javaToString(x);
    switch (name) {
      case "escapeJavaScript":
        return escapeJavaScript(s);
      case "parseJson":
        return parseJsonStrict(s);
      case "urlEncode":
        return urlEncode(s);
      case "urlDecode":
        return urlDecode(s);
      case "base64Encode":
        return Buffer.from(javaUtf8(s), "utf8").toString("base64");
      case "base64Decode":
        return Buffer.from(s, "base64").toString("utf8");
      default:
        return undefined;
    }
  }
}

/** `$context.responseOverride` / `requestOverride`: each may be set once ("overrides are final"). */
class Overrides {
  status: number | undefined;
  readonly responseHeader: Record<string, string> = {};
  private readonly request = { header: {} as Record<string, string>, path: {} as Record<string, string>, querystring: {} as Record<string, string> };

  responseOverride(): Record<string, unknown> {
    const target: Record<string, unknown> = {};
    let statusSet = false;
    Object.defineProperty(target, "status", {
      enumerable: true,
      get: () => this.status,
      set: (value: unknown) => {
        if (statusSet) throw new MappingTemplateError("$context.responseOverride.status is set twice: overrides are final, API Gateway answers 5XX");
        statusSet = true;
        const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
        if (!Number.isInteger(n)) throw new MappingTemplateError(`$context.responseOverride.status must be an integer status code; got ${javaToString(value)}`);
        this.status = n;
      },
    });
    target.header = finalMap(this.responseHeader, "$context.responseOverride.header");
    return target;
  }

  requestOverride(): Record<string, unknown> {
    return {
      header: finalMap(this.request.header, "$context.requestOverride.header"),
      path: finalMap(this.request.path, "$context.requestOverride.path"),
      querystring: finalMap(this.request.querystring, "$context.requestOverride.querystring"),
    };
  }

  requestSnapshot(): RenderResult["requestOverrides"] {
    return { header: { ...this.request.header }, path: { ...this.request.path }, querystring: { ...this.request.querystring } };
  }
}

function finalMap(store: Record<string, string>, name: string): Record<string, unknown> {
  return new Proxy(store as Record<string, unknown>, {
    set(target, key, value: unknown) {
      const k = String(key);
      if (hasOwn(target, k)) throw new MappingTemplateError(`${name}.${k} is set twice: overrides are final, API Gateway answers 5XX`);
      target[k] = javaToString(value);
      return true;
    },
  });
}

function buildContext(request: MappingRequest, overrides: Overrides): Record<string, unknown> {
  const now = new Date();
  const given = request.context ?? {};
  const context: Record<string, unknown> = deepMerge(
    { requestId: randomUUID(), requestTime: clfTime(now), requestTimeEpoch: now.getTime(), identity: {}, authorizer: {}, error: {} },
    given,
  );
  // "The stringified value of the specified key-value pair of the context map returned from a Lambda authorizer."
  const authorizer = context.authorizer;
  if (isMap(authorizer)) {
    for (const [k, v] of Object.entries(authorizer)) if (v !== null && v !== undefined && typeof v !== "object") authorizer[k] = String(v);
  }
  const error = context.error;
  if (isMap(error) && typeof error.message === "string" && !hasOwn(error, "messageString")) error.messageString = JSON.stringify(error.message);
  context.responseOverride = overrides.responseOverride();
  context.requestOverride = overrides.requestOverride();
  return context;
}

function clfTime(d: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : isMap(v) ? deepMerge({}, v) : v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON: json-smart's parsing and printing, Jayway JsonPath's paths
// ---------------------------------------------------------------------------------------------

/** A JSON array from a payload (json-smart's JSONArray): it prints as JSON in a template. */
class JsonArray<T = unknown> extends Array<T> {}

function toJavaJson(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out = new JsonArray<unknown>();
    for (const v of value) out.push(toJavaJson(v));
    return out;
  }
  if (isMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJavaJson(v);
    return out;
  }
  return value;
}

function cloneJson(value: unknown): unknown {
  return toJavaJson(value);
}

function parsePayload(body: string): unknown {
  if (body.trim() === "") return {};
  try {
    return toJavaJson(JSON.parse(body));
  } catch (e) {
    const start = body.trimStart()[0];
    if (start === "{" || start === "[") throw new MappingPayloadError(`Could not process payload: ${(e as Error).message}`);
    return body; // json-smart's permissive mode reads a bare word as a string
  }
}

function parseJsonStrict(s: string): unknown {
  try {
    return toJavaJson(JSON.parse(s));
  } catch (e) {
    throw new MappingTemplateError(`$util.parseJson could not parse ${JSON.stringify(s.slice(0, 80))}: ${(e as Error).message}`);
  }
}

type PathStep = { kind: "key"; key: string } | { kind: "index"; index: number } | { kind: "wildcard" };

/** Jayway JsonPath's subset: `$`, `.a`, `['a']`, `[0]`, `[-1]`, `.*`, `[*]`; a path without `$` gets `$.` prepended. */
function compileJsonPath(expression: string): { steps: PathStep[]; definite: boolean } {
  let p = expression.trim();
  if (!p.startsWith("$")) p = `$.${p}`;
  const steps: PathStep[] = [];
  let i = 1;
  const unsupported = (what: string): never => {
    throw new MappingTemplateError(`JSONPath ${JSON.stringify(expression)}: ${what} is not supported by this renderer`);
  };
  while (i < p.length) {
    if (p.startsWith("..", i)) unsupported("deep scan (..)");
    if (p[i] === ".") {
      i++;
      const m = /^[^.[\]]+/.exec(p.slice(i));
      if (!m) unsupported(`an empty name at ${i}`);
      const name = m![0].trim();
      steps.push(name === "*" ? { kind: "wildcard" } : { kind: "key", key: name });
      i += m![0].length;
    } else if (p[i] === "[") {
      const close = p.indexOf("]", i);
      if (close < 0) unsupported("an unclosed [");
      const inner = p.slice(i + 1, close).trim();
      const quoted = /^(['"])(.*)\1$/.exec(inner);
      if (quoted && !/['"],\s*['"]/.test(inner)) steps.push({ kind: "key", key: quoted[2] });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (inner === "*") steps.push({ kind: "wildcard" });
      else unsupported(`[${inner}]`);
      i = close + 1;
    } else unsupported(`${JSON.stringify(p[i])} at ${i}`);
  }
  return { steps, definite: !steps.some((s) => s.kind === "wildcard") };
}

/** The value at a definite path (not found where nothing matches, as Jayway's PathNotFoundException), or the list of matches of an indefinite one. */
function evaluateJsonPath(document: unknown, expression: string): { found: boolean; value: unknown } {
  const { steps, definite } = compileJsonPath(expression);
  let current: unknown[] = [document];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of current) {
      if (step.kind === "key") {
        if (isMap(node) && hasOwn(node, step.key)) next.push(node[step.key]);
      } else if (step.kind === "index") {
        if (Array.isArray(node)) {
          const at = step.index < 0 ? node.length + step.index : step.index;
          if (at >= 0 && at < node.length) next.push(node[at]);
        }
      } else if (Array.isArray(node)) next.push(...node);
      else if (isMap(node)) next.push(...Object.values(node));
    }
    current = next;
  }
  if (definite) return current.length === 1 ? { found: true, value: current[0] } : { found: false, value: undefined };
  return { found: true, value: JsonArray.from(current) };
}

/** json-smart's escaping (JSONStyle default, "protect 4 web"). */
function jsonSmartEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "/") out += "\\/";
    else if (ch.length === 1 && (c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0x2000 && c <= 0x20ff))) out += `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += ch;
  }
  return out;
}

function jsonSmartStringify(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return `"${jsonSmartEscape(value)}"`;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(jsonSmartStringify).join(",")}]`;
  if (isMap(value)) return `{${Object.entries(value).map(([k, v]) => `"${jsonSmartEscape(k)}":${jsonSmartStringify(v)}`).join(",")}}`;
  return `"${jsonSmartEscape(javaToString(value))}"`;
}

// ---------------------------------------------------------------------------------------------
// $util functions (Commons Lang escapeJavaScript, java.net.URLEncoder/URLDecoder)
// ---------------------------------------------------------------------------------------------

/** Commons Lang StringEscapeUtils.escapeJavaScript: `'` `"` `\` `/`, control characters, and every UTF-16 unit above 0x7F as `\uXXXX`. */
function escapeJavaScript(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (c > 0x7f || (c < 0x20 && !"\b\n\t\f\r".includes(ch))) out += `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
    else if (ch === "\b") out += "\\b";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\r") out += "\\r";
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "/") out += "\\/";
    else out += ch;
  }
  return out;
}

/** Java's String.getBytes(UTF_8) writes an unpaired surrogate as "?" (Node writes U+FFFD). */
function javaUtf8(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "?");
}

/** java.net.URLEncoder.encode(s, "UTF-8"): application/x-www-form-urlencoded. */
function urlEncode(s: string): string {
  let out = "";
  for (const ch of javaUtf8(s)) {
    if (/^[A-Za-z0-9.\-*_]$/.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else for (const b of Buffer.from(ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** java.net.URLDecoder.decode(s, "UTF-8"): `+` is a space; a malformed `%` escape throws. */
function urlDecode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    if (s[i] === "+") {
      out += " ";
      i++;
    } else if (s[i] === "%") {
      const bytes: number[] = [];
      while (s[i] === "%") {
        const hex = s.slice(i + 1, i + 3);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new MappingTemplateError(`$util.urlDecode: illegal hex characters in escape (%) pattern at ${i} of ${JSON.stringify(s)}`);
        bytes.push(parseInt(hex, 16));
        i += 3;
      }
      out += Buffer.from(bytes).toString("utf8");
    } else out += s[i++];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Java values in templates
// ---------------------------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/** A Java Map: a plain object (from JSON, a map literal, `$context`, `$input.params()`). */
function isMap(v: unknown): v is Record<string, unknown> {
  if (!isObject(v) || Array.isArray(v) || v instanceof VtlObject) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** How Java prints a value (String.valueOf): maps as `{k=v, …}`, lists as `[a, b]`, JSON arrays as JSON. */
function javaToString(value: unknown, nested = false): string {
  if (value === undefined || value === null) return nested ? "null" : "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof JsonArray) return jsonSmartStringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => javaToString(v, true)).join(", ")}]`;
  if (isMap(value)) return `{${Object.entries(value).map(([k, v]) => `${k}=${javaToString(v, true)}`).join(", ")}}`;
  return String(value);
}

/** Velocity 1.7's `==`: numbers numerically, same kinds with equals(), otherwise the toString() values. */
function javaEquals(a: unknown, b: unknown): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a === undefined || a === null) && (b === undefined || b === null);
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (isObject(a) && isObject(b)) return deepEquals(a, b);
  if (typeof a === typeof b) return a === b;
  return javaToString(a) === javaToString(b);
}

function deepEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEquals(v, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => hasOwn(b, k) && deepEquals(a[k], b[k]));
  }
  return typeof a === "number" && typeof b === "number" ? a === b : false;
}

/** Velocity 1.7 compares numbers only; anything else is false. */
function compareNumbers(op: string, a: unknown, b: unknown): boolean {
  if (typeof a !== "number" || typeof b !== "number") return false;
  return op === "<" ? a < b : op === ">" ? a > b : op === "<=" ? a <= b : a >= b;
}

/** Velocity 1.7 arithmetic: numbers only, integer division of integers, null on division by zero. */
function arithmetic(op: string, a: unknown, b: unknown): number | undefined {
  if (typeof a !== "number" || typeof b !== "number") return undefined;
  const integers = Number.isInteger(a) && Number.isInteger(b);
  switch (op) {
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      if (b === 0) return undefined;
      return integers ? Math.trunc(a / b) : a / b;
    default:
      if (b === 0) return undefined;
      return a % b;
  }
}

/** `$x.name` as Velocity resolves it. */
function javaProperty(base: unknown, name: string): unknown {
  if (base instanceof VtlObject) return base.property(name);
  if (isMap(base)) return hasOwn(base, name) ? base[name] : undefined;
  if ((typeof base === "string" || Array.isArray(base)) && name === "empty") return base.length === 0; // isEmpty()
  return undefined;
}

function methodFailure(what: string): never {
  throw new MappingTemplateError(`${what}: the Java method throws, so API Gateway fails the request`);
}

/** `$x.name(args)`: the Java method of the value's Java type; null where there is none. */
function callJavaMethod(base: unknown, name: string, args: unknown[]): unknown {
  if (base instanceof VtlObject) return base.method(name, args);
  if (typeof base === "string") return stringMethod(base, name, args);
  if (typeof base === "number") return numberMethod(base, name, args);
  if (typeof base === "boolean") {
    if (args.length === 0 && name === "toString") return String(base);
    if (args.length === 0 && name === "booleanValue") return base;
    return args.length === 1 && name === "equals" ? base === args[0] : undefined;
  }
  if (Array.isArray(base)) return listMethod(base, name, args);
  if (isMap(base)) return mapMethod(base, name, args);
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);

function stringMethod(s: string, name: string, args: unknown[]): unknown {
  const [a, b] = args;
  const n = args.length;
  switch (name) {
    case "length":
      return n === 0 ? s.length : undefined;
    case "isEmpty":
      return n === 0 ? s.length === 0 : undefined;
    case "toString":
    case "trim":
      return n === 0 ? (name === "trim" ? s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "") : s) : undefined;
    case "toLowerCase":
      return n === 0 ? s.toLowerCase() : undefined;
    case "toUpperCase":
      return n === 0 ? s.toUpperCase() : undefined;
    case "contains":
      return n === 1 && str(a) !== undefined ? s.includes(a as string) : undefined;
    case "startsWith":
      if (str(a) === undefined) return undefined;
      if (n === 1) return s.startsWith(a as string);
      return n === 2 && int(b) !== undefined ? (b as number) >= 0 && s.startsWith(a as string, b as number) : undefined;
    case "endsWith":
      return n === 1 && str(a) !== undefined ? s.endsWith(a as string) : undefined;
    case "equals":
      return n === 1 ? a === s : undefined;
    case "equalsIgnoreCase":
      return n === 1 ? str(a) !== undefined && (a as string).toUpperCase() === s.toUpperCase() : undefined;
    case "compareTo":
      return n === 1 && str(a) !== undefined ? compareStrings(s, a as string) : undefined;
    case "concat":
      return n === 1 && str(a) !== undefined ? s + (a as string) : undefined;
    case "indexOf":
    case "lastIndexOf": {
      if (str(a) === undefined || (n === 2 && int(b) === undefined) || n > 2) return undefined;
      if (name === "indexOf") return n === 2 ? s.indexOf(a as string, Math.max(0, b as number)) : s.indexOf(a as string);
      return n === 2 ? ((b as number) < 0 ? -1 : s.lastIndexOf(a as string, b as number)) : s.lastIndexOf(a as string);
    }
    case "charAt":
      if (n !== 1 || int(a) === undefined) return undefined;
      if ((a as number) < 0 || (a as number) >= s.length) methodFailure(`"${s}".charAt(${a}): StringIndexOutOfBoundsException`);
      return s[a as number];
    case "substring": {
      if (int(a) === undefined || (n === 2 && int(b) === undefined) || n > 2) return undefined;
      const end = n === 2 ? (b as number) : s.length;
      if ((a as number) < 0 || end > s.length || (a as number) > end) methodFailure(`"${s}".substring(${args.join(", ")}): StringIndexOutOfBoundsException`);
      return s.substring(a as number, end);
    }
    case "replace":
      return n === 2 && str(a) !== undefined && str(b) !== undefined ? s.split(a as string).join(b as string) : undefined;
    case "replaceAll":
    case "replaceFirst":
      return n === 2 && str(a) !== undefined && str(b) !== undefined ? javaReplace(s, a as string, b as string, name === "replaceAll") : undefined;
    case "matches":
      return n === 1 && str(a) !== undefined ? javaRegex(`^(?:${javaRegexSource(a as string).source})$`, javaRegexSource(a as string).flags).test(s) : undefined;
    case "split":
      return (n === 1 || (n === 2 && int(b) !== undefined)) && str(a) !== undefined ? javaSplit(s, a as string, n === 2 ? (b as number) : 0) : undefined;
    case "hashCode": {
      if (n !== 0) return undefined;
      let h = 0;
      for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
      return h;
    }
    default:
      return undefined;
  }
}

function compareStrings(a: string, b: string): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) - b.charCodeAt(i);
  return a.length - b.length;
}

function numberMethod(x: number, name: string, args: unknown[]): unknown {
  switch (name) {
    case "toString":
      return args.length === 0 ? String(x) : undefined;
    case "intValue":
    case "longValue":
      return args.length === 0 ? Math.trunc(x) : undefined;
    case "doubleValue":
    case "floatValue":
      return args.length === 0 ? x : undefined;
    case "equals":
      return args.length === 1 ? args[0] === x : undefined;
    case "compareTo":
      return args.length === 1 && typeof args[0] === "number" ? Math.sign(x - args[0]) : undefined;
    default:
      return undefined;
  }
}

function listMethod(list: unknown[], name: string, args: unknown[]): unknown {
  const [a, b] = args;
  const n = args.length;
  const index = (i: unknown, max: number): number => {
    if (int(i) === undefined || (i as number) < 0 || (i as number) >= max) methodFailure(`list.${name}(${javaToString(i)}) on a list of ${list.length}: IndexOutOfBoundsException`);
    return i as number;
  };
  switch (name) {
    case "size":
      return n === 0 ? list.length : undefined;
    case "isEmpty":
      return n === 0 ? list.length === 0 : undefined;
    case "get":
      return n === 1 && int(a) !== undefined ? list[index(a, list.length)] : undefined;
    case "contains":
      return n === 1 ? list.some((v) => deepEquals(v, a)) : undefined;
    case "indexOf":
      return n === 1 ? list.findIndex((v) => deepEquals(v, a)) : undefined;
    case "lastIndexOf": {
      if (n !== 1) return undefined;
      for (let i = list.length - 1; i >= 0; i--) if (deepEquals(list[i], a)) return i;
      return -1;
    }
    case "add":
      if (n === 1) return list.push(a), true;
      if (n === 2) return list.splice(index(a, list.length + 1), 0, b), undefined;
      return undefined;
    case "addAll":
      return n === 1 && Array.isArray(a) ? (list.push(...a), a.length > 0) : undefined;
    case "set": {
      if (n !== 2) return undefined;
      const i = index(a, list.length);
      const previous = list[i];
      list[i] = b;
      return previous;
    }
    case "remove": {
      if (n !== 1) return undefined;
      if (int(a) !== undefined) return list.splice(index(a, list.length), 1)[0];
      const at = list.findIndex((v) => deepEquals(v, a));
      if (at >= 0) list.splice(at, 1);
      return at >= 0;
    }
    case "subList":
      if (n !== 2 || int(a) === undefined || int(b) === undefined) return undefined;
      if ((a as number) < 0 || (b as number) > list.length || (a as number) > (b as number)) methodFailure(`list.subList(${a}, ${b}) on a list of ${list.length}`);
      return list.slice(a as number, b as number);
    case "toString":
      return n === 0 ? javaToString(list) : undefined;
    case "equals":
      return n === 1 ? deepEquals(list, a) : undefined;
    default:
      return undefined;
  }
}

function mapMethod(map: Record<string, unknown>, name: string, args: unknown[]): unknown {
  const [a, b] = args;
  const n = args.length;
  const key = typeof a === "string" ? a : undefined;
  switch (name) {
    case "get":
      return n === 1 && key !== undefined && hasOwn(map, key) ? map[key] : undefined;
    case "getOrDefault":
      return n === 2 ? (key !== undefined && hasOwn(map, key) ? map[key] : b) : undefined;
    case "containsKey":
      return n === 1 ? key !== undefined && hasOwn(map, key) : undefined;
    case "containsValue":
      return n === 1 ? Object.values(map).some((v) => deepEquals(v, a)) : undefined;
    case "size":
      return n === 0 ? Object.keys(map).length : undefined;
    case "isEmpty":
      return n === 0 ? Object.keys(map).length === 0 : undefined;
    case "keySet":
      return n === 0 ? Object.keys(map) : undefined;
    case "values":
      return n === 0 ? Object.values(map) : undefined;
    case "entrySet":
      return n === 0 ? Object.entries(map).map(([k, v]) => new MapEntry(k, v)) : undefined;
    case "put": {
      if (n !== 2 || a === undefined || a === null) return undefined;
      const k = javaToString(a);
      const previous = hasOwn(map, k) ? map[k] : undefined;
      map[k] = b;
      return previous;
    }
    case "putAll":
      if (n === 1 && isMap(a)) Object.assign(map, a);
      return undefined;
    case "remove": {
      if (n !== 1 || key === undefined || !hasOwn(map, key)) return undefined;
      const previous = map[key];
      delete map[key];
      return previous;
    }
    case "toString":
      return n === 0 ? javaToString(map) : undefined;
    case "equals":
      return n === 1 ? deepEquals(map, a) : undefined;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// java.util.regex in JavaScript
// ---------------------------------------------------------------------------------------------

/** Java's leading inline flags (`(?i)`, `(?s)`, `(?m)`) become JavaScript flags; the rest of the syntax is shared. */
function javaRegexSource(pattern: string): { source: string; flags: string } {
  const m = /^\(\?([imsx]+)\)/.exec(pattern);
  if (!m) return { source: pattern, flags: "" };
  if (m[1].includes("x")) methodFailure(`regex ${JSON.stringify(pattern)}: the (?x) flag is not supported by this renderer`);
  return { source: pattern.slice(m[0].length), flags: m[1] };
}

function javaRegex(source: string, flags: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (e) {
    return methodFailure(`regex ${JSON.stringify(source)}: PatternSyntaxException (${(e as Error).message})`);
  }
}

function javaReplace(s: string, pattern: string, replacement: string, all: boolean): string {
  const { source, flags } = javaRegexSource(pattern);
  const re = javaRegex(source, flags + (all ? "g" : ""));
  return s.replace(re, (...match: unknown[]) => {
    // (whole, group1…groupN, offset, input[, namedGroups])
    const last = match[match.length - 1];
    const named = isObject(last) ? (last as Record<string, string | undefined>) : {};
    const groups = match.slice(0, isObject(last) ? -3 : -2) as Array<string | undefined>;
    let out = "";
    for (let i = 0; i < replacement.length; i++) {
      const ch = replacement[i];
      if (ch === "\\") {
        if (i + 1 >= replacement.length) methodFailure(`replacement ${JSON.stringify(replacement)}: character to be escaped is missing`);
        out += replacement[++i];
      } else if (ch === "$") {
        const name = /^\{([A-Za-z][A-Za-z0-9]*)\}/.exec(replacement.slice(i + 1));
        if (name) {
          if (!hasOwn(named, name[1])) methodFailure(`replacement ${JSON.stringify(replacement)}: no group with name {${name[1]}}`);
          out += named[name[1]] ?? "";
          i += name[0].length;
          continue;
        }
        const digits = /^\d+/.exec(replacement.slice(i + 1));
        if (!digits) methodFailure(`replacement ${JSON.stringify(replacement)}: illegal group reference`);
        // Java reads digits while they still name an existing group.
        let ref = digits![0][0];
        for (const d of digits![0].slice(1)) if (Number(ref + d) < groups.length) ref += d;
        if (Number(ref) >= groups.length) methodFailure(`replacement ${JSON.stringify(replacement)}: no group ${ref}`);
        out += groups[Number(ref)] ?? "";
        i += ref.length;
      } else out += ch;
    }
    return out;
  });
}

/** String.split(regex, limit): no captured groups in the result, trailing empty strings dropped when limit is 0. */
function javaSplit(s: string, pattern: string, limit: number): string[] {
  const { source, flags } = javaRegexSource(pattern);
  const re = javaRegex(source, flags + "g");
  const parts: string[] = [];
  let start = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      if (m.index === 0 || m.index >= s.length) continue; // no leading empty string for a zero-width match at 0
    }
    if (limit > 0 && parts.length === limit - 1) break;
    parts.push(s.slice(start, m.index));
    start = m.index + m[0].length;
  }
  parts.push(s.slice(start));
  if (limit === 0) while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (limit === 0 && parts.length === 1 && parts[0] === "" && s.length > 0) return [];
  return parts;
}
