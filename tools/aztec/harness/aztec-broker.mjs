// Aztec's own proving broker, wired as `aztec start --prover-broker` wires it: ProvingBroker over the in-memory
// database, behind createNamespacedSafeJsonRpcServer (namespace proverBroker, HTTP 400 on a failed single request,
// batches of at most RPC_MAX_BATCH_SIZE, bodies of at most RPC_MAX_BODY_SIZE) and startHttpRpcServer.
// Listens on 127.0.0.1, port 0 unless --port, and prints one JSON line: {"url": "http://127.0.0.1:PORT"}.
// Stops when stdin closes or on SIGTERM/SIGINT.
//
//   node aztec-broker.mjs [--job-timeout-ms 30000] [--max-retries 3] [--poll-interval-ms 1000]
//                         [--max-epochs-to-keep 1] [--max-body-size 1mb] [--max-batch-size 100] [--port 0]
import { parseArgs, intArg } from './args.mjs';

const args = parseArgs(process.argv.slice(2), {
  defaults: {
    jobTimeoutMs: '30000',
    maxRetries: '3',
    pollIntervalMs: '1000',
    maxEpochsToKeep: '1',
    maxBodySize: '1mb',
    maxBatchSize: '100',
    port: '0',
  },
});

const {
  ProvingBroker,
  InMemoryBrokerDatabase,
  ProvingJobBrokerSchema,
  createNamespacedSafeJsonRpcServer,
  startHttpRpcServer,
  getVersioningMiddleware,
} = await import('./aztec.mjs');

const broker = new ProvingBroker(new InMemoryBrokerDatabase(), {
  proverBrokerJobTimeoutMs: intArg(args.jobTimeoutMs, 'job-timeout-ms'),
  proverBrokerPollIntervalMs: intArg(args.pollIntervalMs, 'poll-interval-ms'),
  proverBrokerJobMaxRetries: intArg(args.maxRetries, 'max-retries'),
  proverBrokerMaxEpochsToKeepResultsFor: intArg(args.maxEpochsToKeep, 'max-epochs-to-keep'),
  proverBrokerDebugReplayEnabled: false,
});
await broker.start();

const rpcServer = createNamespacedSafeJsonRpcServer(
  { proverBroker: [broker, ProvingJobBrokerSchema] },
  {
    http200OnError: false,
    // aztec start adds the version headers; without chain config none are set, as here.
    middlewares: [getVersioningMiddleware({})],
    maxBatchSize: intArg(args.maxBatchSize, 'max-batch-size'),
    maxBodySizeBytes: args.maxBodySize,
  },
);
const server = await startHttpRpcServer(rpcServer, { host: '127.0.0.1', port: intArg(args.port, 'port') });
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.port}` }) + '\n');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  await broker.stop();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
