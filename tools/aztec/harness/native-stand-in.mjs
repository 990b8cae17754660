// A test double of @aztec/native, the N-API binding that bb.js ships. Its binary needs GLIBCXX_3.4.32, newer than
// Debian 12 has, and loading it throws at import time. The harness never calls it: it is only on the import graph of
// TestCircuitProver (through @aztec/simulator and @aztec/world-state), which simulates circuits in WASM. Every export
// exists so imports link; calling any of them fails loudly.
function unavailable(name) {
  return () => {
    throw new Error(`@aztec/native stand-in: ${name} needs the native module, which does not load here`);
  };
}

class Unavailable {
  constructor() {
    unavailable(this.constructor.name)();
  }
}

export class NativeWorldState extends Unavailable {}
export class NativeLMDBStore extends Unavailable {}
export class MsgpackChannel extends Unavailable {}
export const AVM_MAX_CONCURRENT_SIMULATIONS = 1;
export const avmSimulate = unavailable('avmSimulate');
export const avmSimulateWithHintedDbs = unavailable('avmSimulateWithHintedDbs');
export const createCancellationToken = unavailable('createCancellationToken');
export const cancelSimulation = unavailable('cancelSimulation');
