import { Aspects, DefaultTokenResolver, dependable, IAspect, StringConcat, TerraformResource, TerraformStack, Tokenization } from "cdktf";
import { IConstruct } from "constructs";

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
 * - a resource *uses* a principal when its configuration names the principal's ARN or name
 *   (`aws_iam_role.X`, `aws_iam_user.X`, or an imported role's literal ARN), or names a
 *   resource that does (the mapping names the function, the function names the role);
 * - IAM resources are left alone: they only name principals (an access key its user, a
 *   policy its role), and ordering them after policies could close a cycle;
 * - an edge is skipped when the policy itself names the resource (it would be a cycle).
 *
 * One aspect per stack, added by the stack's first role or user. Each resource's configuration
 * is resolved once, so the cost grows linearly with the stack. Edges already present (threaded
 * by hand) are not added twice; new ones are appended in address order.
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
    const resources = this.stack.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource);
    const policiesByName = new Map<string, TerraformResource[]>();
    for (const principal of this.principals) {
      const policies = principal.policies();
      if (policies.length === 0) continue;
      for (const name of namesIn(this.resolve(principal.identity()))) {
        policiesByName.set(name, [...(policiesByName.get(name) ?? []), ...policies]);
      }
    }
    if (policiesByName.size === 0) return;

    const namesBy = new Map(resources.map((r) => [r, namesIn(JSON.stringify(this.configurationOf(r)))]));
    const using = resources.filter((r) => !isIam(r));
    // Resources that name a principal directly, by address, with the policies they wait for.
    const direct = new Map<string, Set<TerraformResource>>();
    for (const r of using) {
      const policies = new Set([...namesBy.get(r)!].flatMap((name) => policiesByName.get(name) ?? []));
      if (policies.size > 0) direct.set(addressOf(r), policies);
    }
    for (const r of using) {
      const address = addressOf(r);
      const policies = new Set(direct.get(address));
      for (const name of namesBy.get(r)!) for (const p of direct.get(name) ?? []) policies.add(p);
      const present = new Set((this.resolve(r.dependsOn ?? []) as string[]).map((d) => d.replace(/^\$\{(.*)\}$/, "$1")));
      const missing = [...policies]
        .filter((p) => !present.has(addressOf(p)) && !namesBy.get(p)?.has(address))
        .sort((a, b) => addressOf(a).localeCompare(addressOf(b)));
      if (missing.length > 0) r.dependsOn = [...(r.dependsOn ?? []), ...missing.map((p) => dependable(p))];
    }
  }

  /** A value as the stack synthesizes it (what `TerraformStack` does internally). */
  private resolve(value: unknown): any {
    return Tokenization.resolve(value, { scope: this.stack, preparing: false, resolver: RESOLVER });
  }

  /** The resource's arguments as they will be synthesized, without its meta-arguments. */
  private configurationOf(resource: TerraformResource): unknown {
    const block = this.resolve(resource.toTerraform()).resource?.[resource.terraformResourceType]?.[resource.friendlyUniqueId] ?? {};
    const { depends_on: _dependsOn, "//": _metadata, ...configuration } = block;
    return configuration;
  }
}

const RESOLVER = new DefaultTokenResolver(new StringConcat());

/**
 * The resource addresses (`aws_iam_role.X`, `data.aws_x.Y`) and IAM principal ARNs a
 * synthesized string names: the keys principals are found by.
 */
function namesIn(text: string): Set<string> {
  return new Set(text.match(/\b(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+(?=\.)|arn:[a-z-]+:iam::\d{12}:(?:role|user)\/[\w+=,.@\/-]+/g) ?? []);
}

function addressOf(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}

function isIam(resource: TerraformResource): boolean {
  return resource.terraformResourceType.startsWith("aws_iam_");
}
