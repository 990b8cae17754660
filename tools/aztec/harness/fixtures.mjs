// The pieces the scenarios assemble from Aztec's classes: provers that can be held, a broker client whose calls can be
// counted, proof stores that count or break, and the deterministic job id Aztec's facade computes.
import { createHash } from 'node:crypto';

import {
  Agent,
  BrokerCircuitProverFacade,
  InlineProofStore,
  MockProver,
  ProvingAgent,
  ProvingRequestType,
  brokerClient,
  makeProvingJobId,
} from './aztec.mjs';

/** A promise that something else resolves. */
export class Gate {
  constructor() {
    this.opened = false;
    this.promise = new Promise(resolve => {
      this.open = () => {
        this.opened = true;
        resolve();
      };
    });
  }
}

const inputsKey = inputs => createHash('sha256').update(inputs.toBuffer()).digest('hex');

/** The id Aztec's BrokerCircuitProverFacade gives a job (epoch, type name, sha256 of the serialised inputs). */
export function jobIdFor(epoch, type, inputs) {
  return makeProvingJobId(epoch, type, inputsKey(inputs));
}

/**
 * Aztec's MockProver, with parity proofs that can be held: `hold(inputs)` (a promise) runs before the mock answers.
 * Counts the proofs it was asked for, by inputs.
 */
export class ScriptedProver extends MockProver {
  constructor(hold = () => Promise.resolve()) {
    super();
    this.hold = hold;
    this.started = new Map();
    this.finished = new Map();
  }

  callsFor(inputs) {
    return this.started.get(inputsKey(inputs)) ?? 0;
  }

  totalCalls() {
    let n = 0;
    for (const count of this.started.values()) n += count;
    return n;
  }

  async #run(inputs, prove) {
    const key = inputsKey(inputs);
    this.started.set(key, (this.started.get(key) ?? 0) + 1);
    await this.hold(inputs);
    const result = await prove();
    this.finished.set(key, (this.finished.get(key) ?? 0) + 1);
    return result;
  }

  getBaseParityProof(inputs, signal, epoch) {
    return this.#run(inputs, () => super.getBaseParityProof(inputs, signal, epoch));
  }

  getRootParityProof(inputs, signal, epoch) {
    return this.#run(inputs, () => super.getRootParityProof(inputs, signal, epoch));
  }
}

/**
 * Aztec's broker client (undici, as `aztec start --prover-agent` builds it) behind a proxy that counts calls by
 * method and requests sent gzip-compressed.
 */
export function watchedClient(url) {
  const agent = new Agent({ connections: 10 });
  const watch = { calls: {}, gzipped: 0, requests: 0 };
  const dispatcher = {
    request(options) {
      watch.requests++;
      if (options.headers?.['content-encoding'] === 'gzip') watch.gzipped++;
      return agent.request(options);
    },
  };
  const client = brokerClient(url, dispatcher);
  const proxy = new Proxy(client, {
    get(target, name) {
      const value = target[name];
      if (typeof value !== 'function') return value;
      return (...args) => {
        watch.calls[name] = (watch.calls[name] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  return { client: proxy, watch, close: () => agent.close() };
}

/** Aztec's InlineProofStore, counting the inputs it could not read. */
export class CountingInlineStore extends InlineProofStore {
  constructor() {
    super();
    this.unreadable = 0;
  }

  async getProofInput(uri) {
    try {
      return await super.getProofInput(uri);
    } catch (err) {
      this.unreadable++;
      throw err;
    }
  }
}

/** A store whose input URIs no agent can read: the facade enqueues a job under a bad inputsUri. */
export class UnreadableInputsStore extends InlineProofStore {
  saveProofInput() {
    return Promise.resolve('data:application/json;charset=utf-8,this%20is%20not%20json');
  }
}

/** Starts and stops what a scenario builds, so every run ends with nothing left running. */
export class Rig {
  constructor(url, pollMs) {
    this.url = url;
    this.pollMs = pollMs;
    this.stoppers = [];
  }

  client() {
    const watched = watchedClient(this.url);
    this.stoppers.push(() => watched.close());
    return watched;
  }

  /** Aztec's ProvingAgent with `prover`, pulling through its own client; returns the agent and its call counts. */
  agent(prover, { store = new InlineProofStore(), allowList = [] } = {}) {
    const { client, watch } = this.client();
    const agent = new ProvingAgent(client, store, prover, allowList, this.pollMs);
    agent.start();
    const entry = { agent, watch, stopped: false };
    entry.stop = async () => {
      if (!entry.stopped) {
        entry.stopped = true;
        await agent.stop();
      }
    };
    this.stoppers.push(entry.stop);
    return entry;
  }

  /** Aztec's BrokerCircuitProverFacade, pushing through its own client; returns the facade and its call counts. */
  facade(store = new InlineProofStore()) {
    const { client, watch } = this.client();
    const facade = new BrokerCircuitProverFacade(client, store, undefined, this.pollMs);
    facade.start();
    this.stoppers.push(() => facade.stop());
    return { facade, watch, client };
  }

  async close() {
    for (const stop of this.stoppers.reverse()) {
      try {
        await stop();
      } catch {
        // a facade's stop rejects outstanding jobs, and a stopped agent may have no broker: nothing to report
      }
    }
  }
}

export const PARITY_BASE = ProvingRequestType.PARITY_BASE;
export const PARITY_ROOT = ProvingRequestType.PARITY_ROOT;
