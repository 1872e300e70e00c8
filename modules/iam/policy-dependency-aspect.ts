import { Aspects, dependable, IAspect, TerraformDataSource, TerraformResource, TerraformStack, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { isConfigurationDigest } from "../core/configuration-digest";
import { synthesized } from "../core/synthesized";

/** What the aspect needs of a principal, read at synth. */
export interface PrincipalRegistration {
  /** The principal's ARN (a reference to its resource, or a literal ARN for an imported one). */
  readonly identity: () => string;
  /** The resources holding the principal's policies (none before its first grant). */
  readonly policies: () => TerraformResource[];
}

/**
 * Makes every resource that uses a principal depend on that principal's policies, derived from
 * the synthesized configuration rather than threaded by hand. Terraform orders resources by
 * references only: a Lambda function names its role, not the role's inline policy, so without
 * an edge it may be created before its permissions exist (and an event source mapping, which
 * AWS validates against the function's role, fails). At synth, after every grant is made:
 *
 * - a resource *uses* a principal when its arguments name the principal's ARN or name
 *   (`aws_iam_role.X`, `aws_iam_user.X`, or an imported role's literal ARN), or name a resource
 *   that does (the mapping names the function, the function names the role);
 * - a principal named only in `tags`/`tags_all` or in a resource policy (`policy`: a key,
 *   queue or bucket policy) is not used: a key policy naming a role grants the role, the key
 *   does not act as it, so it needs none of the role's permissions;
 * - IAM resources are left alone: they only name principals (an access key its user, a
 *   policy its role), and ordering them after policies could close a cycle;
 * - an edge is skipped when the resource can be reached from the policy, following every
 *   reference and `depends_on` (including edges added before): it would close a cycle. The
 *   policy may name the resource itself (a role allowed to invoke its own function), or a
 *   resource that leads to it (a role allowed to invoke its function's alias: policy -> alias
 *   -> function); of two functions allowed to invoke each other, only the first waits.
 *
 * One aspect per stack, added by the stack's first role or user. Of each resource's configuration
 * only the values holding tokens are resolved (`namesInConfiguration`): resolving whole
 * configurations doubled the cost of a synth. What each address reaches is walked once and
 * memoized (`ReferenceGraph`), so the cost grows about linearly with the stack. Edges already present (threaded by hand) are
 * not added twice; new ones are appended in address order.
 */
export class PolicyDependencyAspect implements IAspect {
  /** Records a principal of the stack `principal` is in, adding the stack's aspect on first use. */
  static register(principal: IConstruct, registration: PrincipalRegistration): void {
    const stack = TerraformStack.of(principal);
    let aspect = PolicyDependencyAspect.byStack.get(stack);
    if (!aspect) {
      aspect = new PolicyDependencyAspect(stack);
      PolicyDependencyAspect.byStack.set(stack, aspect);
      Aspects.of(stack).add(aspect);
    }
    aspect.principals.push(registration);
  }

  private static readonly byStack = new WeakMap<TerraformStack, PolicyDependencyAspect>();
  private readonly principals: PrincipalRegistration[] = [];

  private constructor(private readonly stack: TerraformStack) {}

  visit(node: IConstruct): void {
    // The whole stack at once, when the walk starts at it: every grant has been made by then.
    if (node === this.stack) this.addPolicyDependencies();
  }

  private addPolicyDependencies(): void {
    const policiesByName = new Map<string, TerraformResource[]>();
    for (const principal of this.principals) {
      const policies = principal.policies();
      if (policies.length === 0) continue;
      for (const name of namesIn(synthesized(this.stack, principal.identity()))) {
        policiesByName.set(name, [...(policiesByName.get(name) ?? []), ...policies]);
      }
    }
    if (policiesByName.size === 0) return;

    // The symbol checks, not instanceof: installed through npm aliases, CDK Terrain's provider
    // classes extend a second copy of the core library (README, "CDKTF or CDK Terrain").
    const elements = this.stack.node.findAll().filter((c): c is Referenceable => TerraformResource.isTerraformResource(c) || TerraformDataSource.isTerraformDataSource(c));
    const namesBy = new Map(elements.map((e) => [e, this.namesOf(this.configurationOf(e))]));
    const graph = new ReferenceGraph();
    for (const [element, names] of namesBy) {
      graph.add(addressOf(element), [...names.all, ...this.dependsOnOf(element)]);
    }

    const using = elements.filter((e): e is TerraformResource => TerraformResource.isTerraformResource(e) && !isIam(e));
    const usedNamesBy = new Map(using.map((r) => [r, namesBy.get(r)!.used]));
    // Resources that name a principal directly, by address, with the policies they wait for.
    const direct = new Map<string, Set<TerraformResource>>();
    for (const r of using) {
      const policies = new Set([...usedNamesBy.get(r)!].flatMap((name) => policiesByName.get(name) ?? []));
      if (policies.size > 0) direct.set(addressOf(r), policies);
    }
    for (const r of using) {
      const address = addressOf(r);
      const policies = new Set(direct.get(address));
      for (const name of usedNamesBy.get(r)!) for (const p of direct.get(name) ?? []) policies.add(p);
      const present = new Set(this.dependsOnOf(r));
      const missing: TerraformResource[] = [];
      for (const p of [...policies].sort((a, b) => addressOf(a).localeCompare(addressOf(b)))) {
        if (present.has(addressOf(p)) || graph.reaches(addressOf(p), address)) continue;
        graph.add(address, [addressOf(p)]);
        missing.push(p);
      }
      if (missing.length > 0) r.dependsOn = [...(r.dependsOn ?? []), ...missing.map((p) => dependable(p))];
    }
  }

  /** The addresses an element already depends on (threaded by hand). */
  private dependsOnOf(element: Referenceable): string[] {
    return (synthesized(this.stack, element.dependsOn ?? []) as string[]).map((d) => d.replace(/^\$\{(.*)\}$/, "$1"));
  }

  /** The resource's or data source's arguments, unresolved, without its meta-arguments. */
  private configurationOf(element: Referenceable): Record<string, unknown> {
    const kind = TerraformDataSource.isTerraformDataSource(element) ? "data" : "resource";
    const block = element.toTerraform()[kind]?.[element.terraformResourceType]?.[element.friendlyUniqueId] ?? {};
    const { depends_on: _dependsOn, "//": _metadata, ...configuration } = block;
    return configuration;
  }

  /**
   * The names a configuration holds (`all`: what it references), and those of them it uses: all
   * but the names in its `MENTIONS` arguments. Each argument is resolved once for both.
   */
  private namesOf(configuration: Record<string, unknown>): { all: Set<string>; used: Set<string> } {
    const all = new Set<string>();
    const used = new Set<string>();
    for (const [argument, value] of Object.entries(configuration)) {
      for (const name of this.namesInConfiguration({ [argument]: value })) {
        all.add(name);
        if (!MENTIONS.includes(argument)) used.add(name);
      }
    }
    return { all, used };
  }

  /**
   * The names (see `namesIn`) the configuration holds once synthesized. Literal text is read as
   * it is; each token (a reference, a lazy policy document, a function call) is resolved as the
   * stack will synthesize it, so the names found are those of the synthesized configuration. A
   * `ConfigurationDigest` is skipped: it names nothing, and resolving it costs a resolve of
   * every resource it covers.
   */
  private namesInConfiguration(configuration: Record<string, unknown>): Set<string> {
    const texts: string[] = [];
    const read = (token: unknown) => {
      if (!isConfigurationDigest(token)) texts.push(JSON.stringify(synthesized(this.stack, token)) ?? "");
    };
    const collect = (value: unknown): void => {
      if (value === null || value === undefined || typeof value === "boolean") return;
      if (typeof value === "string" && Token.isUnresolved(value)) {
        const fragments = Tokenization.reverseString(value);
        texts.push(...fragments.literals.map(String));
        [...fragments.tokens, ...fragments.intrinsic].forEach(read);
      } else if (Token.isUnresolved(value) || Tokenization.isResolvable(value)) {
        read(value);
      } else if (typeof value === "string") {
        texts.push(value);
      } else if (Array.isArray(value)) {
        value.forEach(collect);
      } else if (typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
          collect(key);
          collect(item);
        }
      }
    };
    collect(configuration);
    return namesIn(texts.join("\n"));
  }
}

type Referenceable = TerraformResource | TerraformDataSource;

/**
 * Which address can be reached from which, following references and `depends_on`. What an
 * address reaches is walked once and memoized; an edge added later extends the memoized sets
 * it affects, so questions asked between additions stay exact.
 */
class ReferenceGraph {
  private readonly next = new Map<string, Set<string>>();
  private readonly reachable = new Map<string, Set<string>>();

  /** Records that `from` references or depends on each of `to` (names that are no address of the stack lead nowhere). */
  add(from: string, to: string[]): void {
    const next = this.next.get(from) ?? new Set<string>();
    this.next.set(from, next);
    for (const target of to) {
      if (target === from || next.has(target)) continue;
      next.add(target);
      if (this.reachable.size === 0) continue;
      const gained = [target, ...this.reachableFrom(target)];
      for (const [address, reached] of this.reachable) {
        if (address === from || reached.has(from)) for (const g of gained) reached.add(g);
      }
    }
  }

  reaches(from: string, to: string): boolean {
    return this.reachableFrom(from).has(to);
  }

  private reachableFrom(address: string): Set<string> {
    const known = this.reachable.get(address);
    if (known) return known;
    // Set before the walk, so a cycle in the configuration (Terraform would refuse it) ends it.
    const reached = new Set<string>();
    this.reachable.set(address, reached);
    for (const n of this.next.get(address) ?? []) {
      if (!this.next.has(n)) continue;
      reached.add(n);
      for (const r of this.reachableFrom(n)) reached.add(r);
    }
    return reached;
  }
}

/** Arguments that name a principal without using it: labels, and resource policies that grant it. */
const MENTIONS = ["tags", "tags_all", "policy"];

/**
 * The resource addresses (`aws_iam_role.X`, `data.aws_x.Y`) and IAM principal ARNs a
 * synthesized string names: the keys principals are found by.
 */
function namesIn(text: string): Set<string> {
  return new Set(text.match(/\b(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+(?=\.)|arn:[a-z-]+:iam::\d{12}:(?:role|user)\/[\w+=,.@\/-]+/g) ?? []);
}

function addressOf(element: Referenceable): string {
  const address = `${element.terraformResourceType}.${element.friendlyUniqueId}`;
  return TerraformDataSource.isTerraformDataSource(element) ? `data.${address}` : address;
}

function isIam(resource: TerraformResource): boolean {
  return resource.terraformResourceType.startsWith("aws_iam_");
}
