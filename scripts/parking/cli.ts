import { projectRoot } from "../project-root";
import { Clients, CliOptions, createClients, parseCli, readTerraformOutputs, regionOfQueueUrl, ResourceName, resolveResources } from "./resources";
import { Summary } from "./summary";

const FLAGS_HELP =
  "  --dry-run                 report what would be done, change nothing\n" +
  "  --queue-url URL           parking queue        [output Pipeline_parking_queue_url]\n" +
  "  --bucket NAME             failure bucket       [output Pipeline_failure_bucket]\n" +
  "  --stream NAME             stream               [output Pipeline_stream_name]\n" +
  "  --failure-queue-url URL   SQS on-failure queue [output Pipeline_failure_queue_url]\n" +
  "  --region REGION           [AWS_REGION, else the queue URL's region]\n" +
  "  --endpoint URL            an emulator (moto, LocalStack)";

/**
 * The shared command line of the after-incident tools: resources from the stack's outputs or the
 * flags, progress on stderr, the summary on stdout; exit 1 when anything was not handled, 2 on a
 * usage or set-up error (one line, no stack trace).
 */
export async function runTool<N extends ResourceName, O extends ResourceName = never>(
  usage: string,
  resourceNames: { needed: readonly N[]; optional?: readonly O[] },
  run: (clients: Clients, resources: Record<N, string> & Partial<Record<O, string>>, cli: CliOptions) => Promise<Summary>,
  argv: string[] = process.argv.slice(2),
): Promise<number> {
  let cli: CliOptions;
  let resources: Record<N, string> & Partial<Record<O, string>>;
  try {
    cli = parseCli(argv);
    resources = resolveResources(resourceNames.needed, cli, () => readTerraformOutputs(projectRoot(), cli.stack), resourceNames.optional);
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: ${usage}\n${FLAGS_HELP}`);
    return 2;
  }
  const anyQueue = Object.values(resources).find((v): v is string => typeof v === "string" && v.startsWith("https://"));
  const region = cli.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (anyQueue && regionOfQueueUrl(anyQueue));
  try {
    const summary = await run(createClients(region, cli.endpoint), resources, cli);
    console.log(summary.toString());
    return summary.problems > 0 ? 1 : 0;
  } catch (e) {
    console.error(`${(e as Error).name}: ${(e as Error).message}`);
    return 2;
  }
}
