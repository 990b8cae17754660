// Aztec's own classes, imported from their dest/ files (the packages' `exports` maps refuse these subpaths, and the
// package indexes pull in @aztec/native). The resolve hook is registered before anything is imported, so
// TestCircuitProver's import graph links against the @aztec/native stand-in.
import { register } from 'node:module';

register('./native-hook.mjs', import.meta.url);

const root = new URL('../node_modules/@aztec/', import.meta.url);
const load = path => import(new URL(path, root).href);

export const { ProvingBroker } = await load('prover-client/dest/proving_broker/proving_broker.js');
export const { InMemoryBrokerDatabase } = await load(
  'prover-client/dest/proving_broker/proving_broker_database/memory.js',
);
export const { ProvingAgent } = await load('prover-client/dest/proving_broker/proving_agent.js');
export const { BrokerCircuitProverFacade } = await load('prover-client/dest/proving_broker/broker_prover_facade.js');
export const { ProvingJobBrokerSchema, createProvingJobBrokerClient } = await load(
  'prover-client/dest/proving_broker/rpc.js',
);
export const { InlineProofStore, FileStoreProofStore } = await load(
  'prover-client/dest/proving_broker/proof_store/index.js',
);
export const { MockProver } = await load('prover-client/dest/test/mock_prover.js');
export const { createNamespacedSafeJsonRpcServer, startHttpRpcServer } = await load(
  'foundation/dest/json-rpc/server/index.js',
);
export const { makeUndiciFetch, Agent } = await load('foundation/dest/json-rpc/client/undici.js');
export const { makeTracedFetch } = await load('telemetry-client/dest/wrappers/fetch.js');
export const { getVersioningMiddleware } = await load('stdlib/dest/versioning/index.js');
export const { createFileStore } = await load('stdlib/dest/file-store/index.js');
export const { makeProvingJobId } = await load('stdlib/dest/interfaces/proving-job.js');
export const { ProvingRequestType } = await load('stdlib/dest/proofs/proving_request_type.js');
export const { makeParityBasePrivateInputs, makeParityRootPrivateInputs, makeParityPublicInputs } = await load(
  'stdlib/dest/tests/factories.js',
);

/** TestCircuitProver simulates the real circuits in WASM; loaded on demand (it takes a few seconds). */
export async function loadTestCircuitProver() {
  const { TestCircuitProver } = await load('bb-prover/dest/test/test_circuit_prover.js');
  return TestCircuitProver;
}

/**
 * The broker client as `aztec start --prover-agent` builds it: undici with 10 connections (which gzips request bodies
 * of 1 KiB and more), retried after 1, 2 and 3 s. `dispatcher` may wrap the undici Agent to watch requests.
 */
export function brokerClient(url, dispatcher = new Agent({ connections: 10 })) {
  return createProvingJobBrokerClient(url, {}, makeTracedFetch([1, 2, 3], false, makeUndiciFetch(dispatcher)));
}
