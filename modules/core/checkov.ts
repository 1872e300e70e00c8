import { TerraformResource } from "cdktf";

/**
 * Inline checkov skips for Terraform JSON. checkov reads skip comments in HCL, but JSON has no
 * comments and its Terraform-JSON runner ignores them; the convention proposed upstream is a
 * resource's "//" block: `"//": { "checkov": { "skip": [{ "id", "comment" }] } }`. The security
 * gate (`scripts/security-gate.ts`) applies these to checkov's findings. Every skip names one check
 * and says why it does not apply to this resource.
 */
export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

const skipsByResource = new WeakMap<TerraformResource, CheckovSkip[]>();

export function skipCheckov(resource: TerraformResource, id: string, comment: string): void {
  if (!/^CKV2?_[A-Z0-9]+_\d+$/.test(id)) throw new Error(`skipCheckov: ${JSON.stringify(id)} is not a checkov check id`);
  if (comment.trim().length < 20) throw new Error(`skipCheckov ${id}: the reason must say why the check does not apply`);
  const skips = skipsByResource.get(resource) ?? [];
  if (skips.some((s) => s.id === id)) return;
  skips.push({ id, comment });
  skipsByResource.set(resource, skips);
  resource.addOverride("//.checkov.skip", [...skips]);
}
