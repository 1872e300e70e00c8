/**
 * Wiring mutations of a synthesized stack, for the mutation check (scripts/mutation-check.ts):
 * each removes one piece of wiring from a copy of the Terraform JSON, so the deploy tier can show
 * that its tests notice. Each one throws if it finds nothing to remove, so a mutation can never
 * pass by silently doing nothing.
 */

export const MUTATIONS = {
  "no-authorizer": "remove the authorizer from each API method",
  "no-table-grant": "remove the consumer's table grant",
  "no-report-batch-item-failures": "remove ReportBatchItemFailures from the event source mapping",
  "no-failure-destination": "remove the event source mapping's on-failure destination",
  "no-producer-put-records": "remove kinesis:PutRecords from the producer's policy",
  "no-secret-read-grant": "drop the authorizer's secret read grant",
  "no-parking-send-grant": "drop the consumer's sqs:SendMessage on its parking queue",
} as const;
export type MutationName = keyof typeof MUTATIONS;

type StackJson = { resource: Record<string, Record<string, any>> };

/** Resources of a type whose construct path contains `pathPart`. */
function resourcesAt(json: StackJson, type: string, pathPart: string): any[] {
  return Object.values(json.resource[type] ?? {}).filter((r) => String(r["//"]?.metadata?.path ?? "").includes(pathPart));
}

/** Removes `actions` (by prefix) from every statement of a policy string; drops emptied statements. */
function withoutActions(policy: string, matches: (action: string) => boolean): { policy: string; removed: number } {
  const doc = JSON.parse(policy);
  let removed = 0;
  doc.Statement = doc.Statement.flatMap((statement: any) => {
    const actions: string[] = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    const kept = actions.filter((a) => !matches(a));
    removed += actions.length - kept.length;
    if (kept.length === 0) return [];
    return [{ ...statement, Action: kept.length === 1 ? kept[0] : kept }];
  });
  return { policy: JSON.stringify(doc), removed };
}

function removeFromPolicies(json: StackJson, type: string, pathPart: string, matches: (action: string) => boolean): void {
  let removed = 0;
  for (const resource of resourcesAt(json, type, pathPart)) {
    const result = withoutActions(resource.policy, matches);
    resource.policy = result.policy;
    removed += result.removed;
  }
  if (removed === 0) throw new Error(`mutation found no matching action in ${type} under ${pathPart}`);
}

function eventSourceMapping(json: StackJson): any {
  const [mapping] = resourcesAt(json, "aws_lambda_event_source_mapping", "/Consumer/");
  if (!mapping) throw new Error("mutation found no event source mapping under /Consumer/");
  return mapping;
}

const APPLY: Record<MutationName, (json: StackJson) => void> = {
  "no-authorizer": (json) => {
    const methods = resourcesAt(json, "aws_api_gateway_method", "/Api/").filter((m) => m.authorization === "CUSTOM");
    if (methods.length === 0) throw new Error("mutation found no method with an authorizer");
    for (const method of methods) {
      method.authorization = "NONE";
      delete method.authorizer_id;
    }
  },
  "no-table-grant": (json) => removeFromPolicies(json, "aws_iam_role_policy", "/Consumer/", (a) => a.startsWith("dynamodb:")),
  "no-report-batch-item-failures": (json) => {
    const mapping = eventSourceMapping(json);
    if (!mapping.function_response_types?.includes("ReportBatchItemFailures")) throw new Error("mutation found no ReportBatchItemFailures");
    delete mapping.function_response_types;
  },
  "no-failure-destination": (json) => {
    const mapping = eventSourceMapping(json);
    if (!mapping.destination_config) throw new Error("mutation found no destination_config");
    delete mapping.destination_config;
  },
  "no-producer-put-records": (json) => removeFromPolicies(json, "aws_iam_user_policy", "/Producer/", (a) => a === "kinesis:PutRecords"),
  "no-secret-read-grant": (json) =>
    removeFromPolicies(json, "aws_iam_role_policy", "/Api/Authorizer/", (a) => a === "secretsmanager:GetSecretValue"),
  "no-parking-send-grant": (json) => removeFromPolicies(json, "aws_iam_role_policy", "/Consumer/", (a) => a === "sqs:SendMessage"),
};

/** Applies a named mutation to stack JSON in place. */
export function applyMutation(name: MutationName, json: StackJson): void {
  const apply = APPLY[name];
  if (!apply) throw new Error(`unknown mutation ${JSON.stringify(name)}; known: ${Object.keys(APPLY).join(", ")}`);
  apply(json);
}
