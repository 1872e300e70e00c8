/**
 * `npm run redrive -- <stack> [--dry-run] [flags]`: with an SQS on-failure destination, reads the
 * records each of Lambda's pointers names back from the stream and parks them with their payload,
 * then removes the pointer. See scripts/parking/redrive.ts.
 */
import { runTool } from "./parking/cli";
import { redrive } from "./parking/redrive";
import { progressToStderr } from "./parking/resources";

if (process.argv[1] === __filename) {
  runTool("npm run redrive -- <stack> [--dry-run] [flags]", { needed: ["failureQueueUrl", "queueUrl"] as const, optional: ["bucket"] as const }, (clients, r, cli) =>
    redrive(clients, { failureQueueUrl: r.failureQueueUrl, queueUrl: r.queueUrl, bucket: r.bucket, dryRun: cli.dryRun, progress: progressToStderr }),
  ).then((code) => (process.exitCode = code));
}
