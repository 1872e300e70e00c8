// Runs one deployed Lambda handler in a worker thread with the function's own environment (a
// worker has its own process.env), the way the Node.js runtime loads it: require the bundle,
// then call `handler(event, context)` per invocation. Plain JavaScript: it runs outside jest's
// transform.
const { parentPort, workerData } = require("worker_threads");
const path = require("path");

const [file, exportName] = workerData.handler.split(".");
const handler = require(path.join(workerData.codeDir, file))[exportName];

parentPort.on("message", async ({ id, event, timeoutMs }) => {
  const deadline = Date.now() + timeoutMs;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: "$LATEST",
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: `req-${id}`,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: "emulated",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const payload = await handler(event, context);
    parentPort.postMessage({ id, ok: true, payload: payload === undefined ? null : JSON.parse(JSON.stringify(payload)) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, errorType: (error && error.name) || "Error", errorMessage: String((error && error.message) || error) });
  }
});
