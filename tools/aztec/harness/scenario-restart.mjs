// The broker restarts with jobs queued and in progress. The harness prints {"event":"restart-now"} and waits for a
// line `restarted` on stdin (the caller stops the broker and starts it again on the same store and the same URL);
// then Aztec's agents and facade carry on, and every job completes with its result: nothing is lost.
import { createInterface } from 'node:readline';

import { makeParityBasePrivateInputs, makeParityPublicInputs } from './aztec.mjs';
import { HANG_GUARD_MS, check, checkEqual, settle, waitFor } from './checks.mjs';
import { Gate, PARITY_BASE, ScriptedProver, jobIdFor } from './fixtures.mjs';

const JOBS = 6;
const AGENTS = 2;

function nextLine(expected) {
  const lines = createInterface({ input: process.stdin });
  return new Promise(resolve => {
    lines.on('line', line => {
      if (line.trim() === expected) {
        lines.close();
        resolve();
      }
    });
  });
}

export async function restart(ctx) {
  const gate = new Gate();
  const provers = [];
  for (let i = 0; i < AGENTS; i++) {
    const prover = new ScriptedProver(() => gate.promise);
    provers.push(prover);
    ctx.rig.agent(prover);
  }
  const { facade, client } = ctx.rig.facade();
  const inputs = Array.from({ length: JOBS }, () => makeParityBasePrivateInputs(ctx.seed()));
  const ids = inputs.map(i => jobIdFor(ctx.epoch, PARITY_BASE, i));
  const pending = inputs.map(i => facade.getBaseParityProof(i, undefined, ctx.epoch));
  pending.forEach(p => p.catch(() => {}));

  await waitFor(() => provers.every(p => p.totalCalls() === 1), 'each agent to hold one job');
  const before = await Promise.all(ids.map(id => client.getProvingJobStatus(id)));
  checkEqual(
    before.map(s => s.status).sort(),
    [...Array(AGENTS).fill('in-progress'), ...Array(JOBS - AGENTS).fill('in-queue')].sort(),
    'before the restart: jobs in progress and queued',
  );

  const restarted = nextLine('restarted');
  process.stdout.write(JSON.stringify({ event: 'restart-now' }) + '\n');
  await settle(restarted, 'the line `restarted` on stdin', HANG_GUARD_MS);
  gate.open();

  const results = await settle(Promise.all(pending), 'the facade receiving every result after the restart');
  const expected = makeParityPublicInputs().toBuffer();
  check(results.every(r => r.inputs.toBuffer().equals(expected)), 'every job completes with its proved result');
  const after = await Promise.all(ids.map(id => client.getProvingJobStatus(id)));
  check(after.every(s => s.status === 'fulfilled'), 'every job is fulfilled after the restart', after.map(s => s.status));
}
