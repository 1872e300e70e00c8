/**
 * `npm run replay-parked -- <stack> [--dry-run] [flags]`: after the cause of an incident is fixed,
 * puts every parked record back into the stream (parking queue, its parked/ objects, and Lambda's
 * S3 on-failure objects), then removes each entry Kinesis acknowledged. See scripts/parking/replay.ts.
 */
import { runTool } from "./parking/cli";
import { replayParked } from "./parking/replay";
import { progressToStderr } from "./parking/resources";

if (process.argv[1] === __filename) {
  runTool("npm run replay-parked -- <stack> [--dry-run] [flags]", { needed: ["queueUrl", "bucket", "stream"] as const }, (clients, r, cli) =>
    replayParked(clients, { queueUrl: r.queueUrl, bucket: r.bucket, stream: r.stream, dryRun: cli.dryRun, progress: progressToStderr }),
  ).then((code) => (process.exitCode = code));
}
