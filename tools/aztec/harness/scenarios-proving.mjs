// Scenarios where Aztec's facade pushes jobs and Aztec's agents prove them: the happy path, heartbeats, dead agents,
// timeouts, unreadable inputs, cancellation, re-enqueue.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  FileStoreProofStore,
  InlineProofStore,
  createFileStore,
  loadTestCircuitProver,
  makeParityBasePrivateInputs,
  makeParityPublicInputs,
  makeParityRootPrivateInputs,
} from './aztec.mjs';
import { check, checkEqual, checkRejects, settle, waitFor } from './checks.mjs';
import {
  CountingInlineStore,
  Gate,
  PARITY_BASE,
  PARITY_ROOT,
  ScriptedProver,
  UnreadableInputsStore,
  jobIdFor,
} from './fixtures.mjs';

const statusOf = (client, id) => client.getProvingJobStatus(id);

/** enqueue → agent proves → facade receives the result, for two job types over the inline store. */
export async function prove(ctx) {
  const prover = new ScriptedProver();
  ctx.rig.agent(prover);
  const { facade, client } = ctx.rig.facade();
  const base = makeParityBasePrivateInputs(ctx.seed());
  const root = makeParityRootPrivateInputs(ctx.seed());

  const [baseResult, rootResult] = await settle(
    Promise.all([
      facade.getBaseParityProof(base, undefined, ctx.epoch),
      facade.getRootParityProof(root, undefined, ctx.epoch),
    ]),
    'the facade receiving both results',
  );
  const expected = makeParityPublicInputs().toBuffer();
  check(baseResult.inputs.toBuffer().equals(expected), 'PARITY_BASE: the facade receives the public inputs the agent proved');
  check(rootResult.inputs.toBuffer().equals(expected), 'PARITY_ROOT: the facade receives the public inputs the agent proved');
  checkEqual(prover.callsFor(base), 1, 'PARITY_BASE was proved once');
  checkEqual(prover.callsFor(root), 1, 'PARITY_ROOT was proved once');

  const status = await statusOf(client, jobIdFor(ctx.epoch, PARITY_BASE, base));
  checkEqual(status.status, 'fulfilled', 'getProvingJobStatus of the proved job');
  const output = await new InlineProofStore().getProofOutput(status.value);
  checkEqual(output.type, PARITY_BASE, "the fulfilled value is the agent's output URI, readable by the proof store");
}

/** The same through a file:// proof store: inputs and outputs are references, not inline data. */
export async function proveFileStore(ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'verity-aztec-proofs-'));
  const store = new FileStoreProofStore(await createFileStore(`file://${dir}`));
  const prover = new ScriptedProver();
  ctx.rig.agent(prover, { store });
  const { facade, client } = ctx.rig.facade(store);
  const inputs = makeParityBasePrivateInputs(ctx.seed());
  const result = await settle(facade.getBaseParityProof(inputs, undefined, ctx.epoch), 'the facade receiving the result');
  check(result.inputs.toBuffer().equals(makeParityPublicInputs().toBuffer()), 'the facade receives the proved public inputs');
  const status = await statusOf(client, jobIdFor(ctx.epoch, PARITY_BASE, inputs));
  checkEqual(status.status, 'fulfilled', 'getProvingJobStatus of the proved job');
  check(status.value.startsWith(`file://${dir}/outputs/PARITY_BASE/`), 'the fulfilled value is the file:// output URI', status.value);
}

/** Aztec's TestCircuitProver (the parity circuit simulated in WASM) behind the agent. */
export async function proveTestCircuit(ctx) {
  const TestCircuitProver = await loadTestCircuitProver();
  ctx.rig.agent(new TestCircuitProver());
  const { facade } = ctx.rig.facade();
  const inputs = makeParityBasePrivateInputs(ctx.seed());
  const result = await settle(facade.getBaseParityProof(inputs, undefined, ctx.epoch), 'the facade receiving the result');
  const simulated = await new TestCircuitProver().getBaseParityProof(inputs);
  check(
    result.inputs.toBuffer().equals(simulated.inputs.toBuffer()),
    "the facade receives the circuit's public inputs for these inputs",
  );
}

/** A job that runs for several job timeouts stays with its agent while the agent heartbeats. */
export async function heartbeat(ctx) {
  const inputs = makeParityBasePrivateInputs(ctx.seed());
  const id = jobIdFor(ctx.epoch, PARITY_BASE, inputs);
  const { facade, client } = ctx.rig.facade();
  let holder;
  const statuses = [];
  const slow = new ScriptedProver(async () => {
    const since = Date.now();
    // Outlast the job timeout 1.5 times over, and see the agent heartbeat at least 3 times meanwhile.
    const heartbeatsAtStart = holder.watch.calls.reportProvingJobProgress ?? 0;
    await waitFor(async () => {
      statuses.push((await statusOf(client, id)).status);
      return (
        Date.now() - since > 1.5 * ctx.jobTimeoutMs &&
        (holder.watch.calls.reportProvingJobProgress ?? 0) - heartbeatsAtStart >= 3
      );
    }, 'the slow proof to outlast the job timeout', { intervalMs: 100 });
  });
  holder = ctx.rig.agent(slow);
  const pending = facade.getBaseParityProof(inputs, undefined, ctx.epoch);
  await waitFor(() => slow.callsFor(inputs) === 1, 'the slow agent to take the job');
  // A second, idle agent: it would take the job if the broker re-queued it.
  const idle = new ScriptedProver();
  ctx.rig.agent(idle);

  await settle(pending, 'the facade receiving the result');
  check(statuses.length > 0 && statuses.every(s => s === 'in-progress'), 'the job is in-progress while it runs', statuses);
  checkEqual(slow.callsFor(inputs), 1, 'the heartbeating agent proved the job once');
  checkEqual(idle.totalCalls(), 0, 'the idle agent was never given the heartbeated job');
}

/** An agent that stops heartbeating loses its job after the job timeout; another agent finishes it. */
export async function deadAgent(ctx) {
  const inputs = makeParityBasePrivateInputs(ctx.seed());
  const never = new Gate();
  const hung = new ScriptedProver(() => never.promise);
  const dead = ctx.rig.agent(hung);
  const { facade } = ctx.rig.facade();
  const pending = facade.getBaseParityProof(inputs, undefined, ctx.epoch);
  await waitFor(() => hung.callsFor(inputs) === 1, 'the first agent to take the job');
  await dead.stop(); // no more heartbeats from it

  const healthy = new ScriptedProver();
  ctx.rig.agent(healthy);
  const result = await settle(pending, 'the facade receiving the result from the second agent');
  check(result.inputs.toBuffer().equals(makeParityPublicInputs().toBuffer()), 'the facade receives the proved public inputs');
  checkEqual(healthy.callsFor(inputs), 1, 'the second agent proved the re-queued job');
  never.open();
}

/**
 * Three agents in turn take the job and die. Verity counts each timeout as an attempt, so the job is rejected after the
 * third (--expect-timeouts-count); Aztec 4.1.2 does not, so a fourth agent is given the job and proves it.
 */
export async function timeoutAttempts(ctx) {
  const inputs = makeParityBasePrivateInputs(ctx.seed());
  const id = jobIdFor(ctx.epoch, PARITY_BASE, inputs);
  const never = new Gate();
  const { facade, client } = ctx.rig.facade();
  const pending = facade.getBaseParityProof(inputs, undefined, ctx.epoch);
  pending.catch(() => {});
  for (let round = 1; round <= ctx.maxAttempts; round++) {
    const hung = new ScriptedProver(() => never.promise);
    const dying = ctx.rig.agent(hung);
    await waitFor(() => hung.callsFor(inputs) === 1, `agent ${round} to take the job`);
    await dying.stop();
  }
  if (ctx.expectTimeoutsCount) {
    const status = await waitFor(async () => {
      const s = await statusOf(client, id);
      return s.status === 'rejected' ? s : undefined;
    }, `the job to be rejected after ${ctx.maxAttempts} timeouts`);
    check(typeof status.reason === 'string' && status.reason.length > 0, 'the rejection carries a reason', status);
    await checkRejects(settle(pending, 'the facade settling'), 'the facade receives the rejection');
  } else {
    const last = new ScriptedProver();
    ctx.rig.agent(last);
    await settle(pending, 'the facade receiving the result from the last agent');
    checkEqual(last.callsFor(inputs), 1, `after ${ctx.maxAttempts} timeouts the job was given to another agent and proved`);
  }
  never.open();
}

/** Inputs no agent can read: each agent reports a retryable error; after three attempts the job is rejected. */
export async function badInputs(ctx) {
  const store = new CountingInlineStore();
  ctx.rig.agent(new ScriptedProver(), { store });
  const { facade, client } = ctx.rig.facade(new UnreadableInputsStore());
  const inputs = makeParityBasePrivateInputs(ctx.seed());
  const err = await checkRejects(
    settle(facade.getBaseParityProof(inputs, undefined, ctx.epoch), 'the facade settling'),
    'the facade receives a rejection for unreadable inputs',
  );
  checkEqual(err.message, 'Failed to load proof inputs', "the rejection reason is the agent's last error");
  checkEqual(store.unreadable, ctx.maxAttempts, `the agents tried to read the inputs ${ctx.maxAttempts} times`);
  const status = await statusOf(client, jobIdFor(ctx.epoch, PARITY_BASE, inputs));
  checkEqual(status, { status: 'rejected', reason: 'Failed to load proof inputs' }, 'getProvingJobStatus of the rejected job');
}

/** Cancel a queued job, a job in progress, a finished job and an unknown id. */
export async function cancel(ctx) {
  const { facade, client } = ctx.rig.facade();

  // Queued (no agent yet): rejected with reason Aborted; the facade's promise rejects.
  const queued = makeParityBasePrivateInputs(ctx.seed());
  const queuedId = jobIdFor(ctx.epoch, PARITY_BASE, queued);
  const abortQueued = new AbortController();
  const queuedPending = facade.getBaseParityProof(queued, abortQueued.signal, ctx.epoch);
  await waitFor(async () => (await statusOf(client, queuedId)).status === 'in-queue', 'the job to be queued');
  abortQueued.abort();
  const err = await checkRejects(settle(queuedPending, 'the facade settling'), 'the cancelled job rejects at the facade');
  checkEqual(err.message, 'Aborted', 'the facade sees reason Aborted');
  checkEqual(await statusOf(client, queuedId), { status: 'rejected', reason: 'Aborted' }, 'status of the cancelled queued job');
  const again = await client.enqueueProvingJob({
    id: queuedId,
    type: PARITY_BASE,
    epochNumber: ctx.epoch,
    inputsUri: await new InlineProofStore().saveProofInput(queuedId, PARITY_BASE, queued),
  });
  checkEqual(again, { status: 'rejected', reason: 'Aborted' }, 're-enqueue of a cancelled job returns its rejection');

  // In progress: rejected at once; the agent's late result changes nothing.
  const gate = new Gate();
  const held = new ScriptedProver(() => gate.promise);
  const agent = ctx.rig.agent(held);
  const running = makeParityBasePrivateInputs(ctx.seed());
  const runningId = jobIdFor(ctx.epoch, PARITY_BASE, running);
  const abortRunning = new AbortController();
  const runningPending = facade.getBaseParityProof(running, abortRunning.signal, ctx.epoch);
  runningPending.catch(() => {});
  await waitFor(() => held.callsFor(running) === 1, 'the agent to take the job');
  abortRunning.abort();
  await waitFor(
    async () => (await statusOf(client, runningId)).status === 'rejected',
    'the cancelled in-progress job to be rejected',
  );
  gate.open();
  await waitFor(() => (agent.watch.calls.reportProvingJobSuccess ?? 0) >= 1, 'the agent to report its late result');
  checkEqual(
    await statusOf(client, runningId),
    { status: 'rejected', reason: 'Aborted' },
    'a late success for a cancelled job changes nothing',
  );

  // Finished: cancel changes nothing. Unknown: cancel is accepted and changes nothing.
  const done = makeParityBasePrivateInputs(ctx.seed());
  await settle(facade.getBaseParityProof(done, undefined, ctx.epoch), 'the facade receiving the result');
  const doneId = jobIdFor(ctx.epoch, PARITY_BASE, done);
  const before = await statusOf(client, doneId);
  await client.cancelProvingJob(doneId);
  checkEqual(await statusOf(client, doneId), before, 'cancelling a fulfilled job leaves it fulfilled');
  const unknown = `${ctx.epoch}:PARITY_BASE:${'0'.repeat(64)}`;
  await client.cancelProvingJob(unknown);
  checkEqual(await statusOf(client, unknown), { status: 'not-found' }, 'cancelling an unknown id changes nothing');
}

/** Re-enqueue: of a queued job (not duplicated), and of a finished job (its result, proved once). */
export async function reenqueue(ctx) {
  const { client } = ctx.rig.client();
  const store = new InlineProofStore();

  const inputs = makeParityBasePrivateInputs(ctx.seed());
  const id = jobIdFor(ctx.epoch, PARITY_BASE, inputs);
  const job = { id, type: PARITY_BASE, epochNumber: ctx.epoch, inputsUri: await store.saveProofInput(id, PARITY_BASE, inputs) };
  checkEqual(await client.enqueueProvingJob(job), { status: 'not-found' }, 'first enqueue returns the status before it: not-found');
  checkEqual(await client.enqueueProvingJob(job), { status: 'in-queue' }, 'second enqueue of a queued job returns in-queue');

  const prover = new ScriptedProver();
  const agent = ctx.rig.agent(prover);
  const first = ctx.rig.facade();
  const viaFacade = await settle(first.facade.getBaseParityProof(inputs, undefined, ctx.epoch), 'the facade receiving the result');
  check(viaFacade.inputs.toBuffer().equals(makeParityPublicInputs().toBuffer()), 'the facade receives the proved result');
  checkEqual(prover.callsFor(inputs), 1, 'the twice-enqueued job was proved once');
  await agent.stop();

  const fulfilled = await statusOf(client, id);
  checkEqual(fulfilled.status, 'fulfilled', 'the job is fulfilled');
  checkEqual(await client.enqueueProvingJob(job), fulfilled, 're-enqueue of a finished job returns its result');

  // A new facade (as after a prover-node restart) asking for the same proof gets the stored result, no agent running.
  const second = ctx.rig.facade();
  const again = await settle(second.facade.getBaseParityProof(inputs, undefined, ctx.epoch), 'the new facade receiving the result');
  check(again.inputs.toBuffer().equals(viaFacade.inputs.toBuffer()), 'a new facade receives the stored result');
  checkEqual(prover.callsFor(inputs), 1, 'nothing was proved again');
}

