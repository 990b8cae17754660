// Scenarios about the producer's side of the protocol and its wire format: refused enqueues, completed-job
// notifications, gzip bodies, large bodies and the raw shapes of JSON-RPC errors.
import { InlineProofStore, ProvingRequestType, makeParityBasePrivateInputs } from './aztec.mjs';
import { check, checkEqual, checkRejects, settle, waitFor } from './checks.mjs';
import { PARITY_BASE, PARITY_ROOT, ScriptedProver, jobIdFor } from './fixtures.mjs';

// Types no other scenario enqueues, so a raw getProvingJob for them can only meet this scenario's job.
const BIG_BODY_TYPE = ProvingRequestType.CHECKPOINT_PADDING_ROLLUP;
const NEVER_ENQUEUED_TYPE = ProvingRequestType.ROOT_ROLLUP;
import { callInBatch, post } from './raw-rpc.mjs';

async function makeJob(ctx, epoch = ctx.epoch, type = PARITY_BASE) {
  const inputs = makeParityBasePrivateInputs(ctx.seed());
  const id = jobIdFor(epoch, type, inputs);
  const inputsUri = await new InlineProofStore().saveProofInput(id, type, inputs);
  return { inputs, job: { id, type, epochNumber: epoch, inputsUri } };
}

const CALL_FAILED = -32702;

/** A different job under a known id is refused (-32702); the known job is untouched and proved as enqueued. */
export async function duplicateId(ctx) {
  const { client } = ctx.rig.client();
  const { inputs, job } = await makeJob(ctx);
  const other = await makeJob(ctx);
  checkEqual(await client.enqueueProvingJob(job), { status: 'not-found' }, 'the first enqueue is accepted');

  await checkRejects(client.enqueueProvingJob({ ...job, inputsUri: other.job.inputsUri }), 'Aztec client: other inputs under a known id are refused');
  const differentInputs = await callInBatch(ctx.url, 'proverBroker_enqueueProvingJob', [{ ...job, inputsUri: other.job.inputsUri }]);
  checkEqual(differentInputs.error?.code, CALL_FAILED, 'other inputs under a known id: error code', differentInputs);
  const differentType = await callInBatch(ctx.url, 'proverBroker_enqueueProvingJob', [{ ...job, type: PARITY_ROOT }]);
  checkEqual(differentType.error?.code, CALL_FAILED, 'another type under a known id: error code', differentType);
  checkEqual(await client.getProvingJobStatus(job.id), { status: 'in-queue' }, 'the known job is still queued');

  const prover = new ScriptedProver();
  ctx.rig.agent(prover);
  await waitFor(async () => (await client.getProvingJobStatus(job.id)).status === 'fulfilled', 'the known job to be proved');
  checkEqual(prover.callsFor(inputs), 1, 'the agent proved the original inputs');
  checkEqual(prover.totalCalls(), 1, 'and nothing else');
}

/** Once a job of epoch E+1 is known, a new job of epoch E-1 is refused (-32702) and one of epoch E is accepted. */
export async function staleEpoch(ctx) {
  const { client } = ctx.rig.client();
  const newest = await makeJob(ctx, ctx.epoch + 1);
  const stale = await makeJob(ctx, ctx.epoch - 1);
  const previous = await makeJob(ctx, ctx.epoch);
  checkEqual(await client.enqueueProvingJob(newest.job), { status: 'not-found' }, 'a job of epoch E+1 is accepted');
  await checkRejects(client.enqueueProvingJob(stale.job), 'Aztec client: a job of epoch E-1 is refused');
  const refused = await callInBatch(ctx.url, 'proverBroker_enqueueProvingJob', [stale.job]);
  checkEqual(refused.error?.code, CALL_FAILED, 'a stale epoch: error code', refused);
  checkEqual(await client.getProvingJobStatus(stale.job.id), { status: 'not-found' }, 'the stale job was not stored');
  checkEqual(await client.enqueueProvingJob(previous.job), { status: 'not-found' }, 'a job of epoch E (newest - 1) is accepted');

  const prover = new ScriptedProver();
  ctx.rig.agent(prover);
  for (const { job } of [newest, previous]) {
    await waitFor(async () => (await client.getProvingJobStatus(job.id)).status === 'fulfilled', `${job.id} to be proved`);
  }
  checkEqual(prover.callsFor(stale.inputs), 0, 'the stale job was never handed out');
}

/**
 * getCompletedJobs(ids): the passed ids that are settled, plus the ids settled since the last call; an unsettled or
 * unknown id is not returned. The agent here takes PARITY_BASE only, so a PARITY_ROOT job stays queued.
 */
export async function completedJobs(ctx) {
  const { client } = ctx.rig.client();
  const a = await makeJob(ctx);
  const b = await makeJob(ctx);
  const waiting = await makeJob(ctx, ctx.epoch, PARITY_ROOT);
  for (const { job } of [a, b, waiting]) {
    checkEqual(await client.enqueueProvingJob(job), { status: 'not-found' }, `enqueue ${job.type}`);
  }
  ctx.rig.agent(new ScriptedProver(), { allowList: [PARITY_BASE] });
  for (const { job } of [a, b]) {
    await waitFor(async () => (await client.getProvingJobStatus(job.id)).status === 'fulfilled', `${job.id} to be proved`);
  }
  const unknown = `${ctx.epoch}:PARITY_BASE:${'f'.repeat(64)}`;

  const notified = await client.getCompletedJobs([]);
  check(notified.includes(a.job.id) && notified.includes(b.job.id), 'getCompletedJobs([]) notifies both settled jobs', notified);
  check(!notified.includes(waiting.job.id), 'and not the queued one', notified);
  const renotified = await client.getCompletedJobs([]);
  check(!renotified.includes(a.job.id) && !renotified.includes(b.job.id), 'a second getCompletedJobs([]) does not repeat them', renotified);

  const asked = await client.getCompletedJobs([a.job.id, waiting.job.id, unknown, b.job.id]);
  check(asked.includes(a.job.id) && asked.includes(b.job.id), 'getCompletedJobs(ids) returns the settled ids passed', asked);
  check(!asked.includes(waiting.job.id), 'not the queued id', asked);
  check(!asked.includes(unknown), 'not the unknown id', asked);
  checkEqual(await client.getProvingJobStatus(waiting.job.id), { status: 'in-queue' }, 'the PARITY_ROOT job is still queued');
  await client.cancelProvingJob(waiting.job.id);
  const cancelled = await client.getCompletedJobs([]);
  check(cancelled.includes(waiting.job.id), 'a cancelled job is notified as completed', cancelled);
}

/** Aztec's undici client gzips bodies of 1 KiB and more; a gzip body sent by hand is read as well. */
export async function gzip(ctx) {
  const prover = new ScriptedProver();
  const agent = ctx.rig.agent(prover);
  const { facade, watch, client } = ctx.rig.facade();
  const inputs = makeParityBasePrivateInputs(ctx.seed());
  await settle(facade.getBaseParityProof(inputs, undefined, ctx.epoch), 'the facade receiving the result');
  check(watch.gzipped > 0, "the facade's enqueue (inline inputs, over 1 KiB) went gzip-compressed", watch);
  check(agent.watch.gzipped > 0, "the agent's report (inline proof, over 1 KiB) went gzip-compressed", agent.watch);

  const id = jobIdFor(ctx.epoch, PARITY_BASE, inputs);
  const status = await client.getProvingJobStatus(id);
  const padded = { jsonrpc: '2.0', id: 'gz', method: 'proverBroker_getProvingJobStatus', params: [id], pad: 'x'.repeat(4096) };
  const byHand = await post(ctx.url, [padded], { gzip: true });
  checkEqual(byHand.status, 200, 'a gzip batch by hand: HTTP status');
  checkEqual(byHand.json, [{ jsonrpc: '2.0', id: 'gz', result: status }], 'a gzip batch by hand: the answer');
}

/** A job whose inputsUri and result URI are --big-body-bytes long goes in and comes back whole. */
export async function bigBody(ctx) {
  const { client } = ctx.rig.client();
  const { job } = await makeJob(ctx, ctx.epoch, BIG_BODY_TYPE);
  const big = { ...job, inputsUri: 'data:application/json;charset=utf-8,' + 'a'.repeat(ctx.bigBodyBytes) };
  checkEqual(await client.enqueueProvingJob(big), { status: 'not-found' }, `enqueue with a ${ctx.bigBodyBytes}-byte inputsUri`);
  const taken = await client.getProvingJob({ allowList: [BIG_BODY_TYPE] });
  checkEqual(taken?.job?.id, big.id, 'getProvingJob hands out the big job');
  check(taken.job.inputsUri === big.inputsUri, 'its inputsUri comes back whole', taken.job.inputsUri.length);
  const value = 'data:application/json;charset=utf-8,' + 'b'.repeat(ctx.bigBodyBytes);
  await client.reportProvingJobSuccess(big.id, value, { allowList: [BIG_BODY_TYPE] });
  const status = await client.getProvingJobStatus(big.id);
  checkEqual(status.status, 'fulfilled', 'the big job is fulfilled');
  check(status.value === value, 'its result comes back whole', status.value?.length);
}

/** The wire shapes of errors, batches and the status route, fetched by hand. */
export async function rpcErrors(ctx) {
  const url = ctx.url;
  const call = (id, method, params) => ({ jsonrpc: '2.0', id, method, params });

  const badMethodSingle = await post(url, call(1, 'proverBroker_noSuchMethod', []));
  checkEqual(badMethodSingle.status, 400, 'unknown method, single request: HTTP status');
  checkEqual(badMethodSingle.json?.id, 1, 'unknown method, single request: id', badMethodSingle.json);
  checkEqual(badMethodSingle.json?.error?.code, -32601, 'unknown method, single request: error code', badMethodSingle.json);
  check(typeof badMethodSingle.json?.error?.message === 'string', 'unknown method: error message', badMethodSingle.json);

  const badMethodBatch = await post(url, [call(2, 'proverBroker_noSuchMethod', [])]);
  checkEqual(badMethodBatch.status, 200, 'unknown method in a batch: HTTP status');
  check(Array.isArray(badMethodBatch.json) && badMethodBatch.json.length === 1, 'unknown method in a batch: a batch of one', badMethodBatch.json);
  checkEqual(badMethodBatch.json[0].id, 2, 'unknown method in a batch: id');
  checkEqual(badMethodBatch.json[0].error?.code, -32601, 'unknown method in a batch: error code', badMethodBatch.json);

  const badParamsBatch = await post(url, [call(3, 'proverBroker_getProvingJobStatus', [123])]);
  checkEqual(badParamsBatch.status, 200, 'bad params in a batch: HTTP status');
  checkEqual(badParamsBatch.json?.[0]?.error?.code, -32701, 'bad params in a batch: error code', badParamsBatch.json);
  checkEqual(badParamsBatch.json?.[0]?.id, 3, 'bad params in a batch: id');
  const badParamsSingle = await post(url, call(4, 'proverBroker_enqueueProvingJob', [{ id: 'x', type: 99 }]));
  checkEqual(badParamsSingle.status, 400, 'bad params, single request: HTTP status');
  checkEqual(badParamsSingle.json?.error?.code, -32701, 'bad params, single request: error code', badParamsSingle.json);

  const emptyBatch = await post(url, []);
  checkEqual(emptyBatch.status, 400, 'empty batch: HTTP status');
  check(emptyBatch.json && !Array.isArray(emptyBatch.json), 'empty batch: one error object, not an array', emptyBatch.json);
  checkEqual(emptyBatch.json?.error?.code, -32600, 'empty batch: error code', emptyBatch.json);
  checkEqual(emptyBatch.json?.id, null, 'empty batch: id null', emptyBatch.json);

  const unparsable = await post(url, '{"jsonrpc": "2.0", "id": 1, "method": ');
  checkEqual(unparsable.status, 400, 'unparsable JSON: HTTP status');
  checkEqual(unparsable.json?.error?.code, -32700, 'unparsable JSON: error code', unparsable.json ?? unparsable.text);
  checkEqual(unparsable.json?.id, null, 'unparsable JSON: id null', unparsable.json);

  const unknownId = `${ctx.epoch}:PARITY_BASE:${'e'.repeat(64)}`;
  const mixed = await post(url, [
    call('a', 'proverBroker_getProvingJobStatus', [unknownId]),
    call(7, 'proverBroker_noSuchMethod', []),
    call('c', 'proverBroker_getProvingJobStatus', [false]),
    call(8, 'proverBroker_getProvingJob', [{ allowList: [NEVER_ENQUEUED_TYPE] }]),
  ]);
  checkEqual(mixed.status, 200, 'mixed batch: HTTP status');
  checkEqual(mixed.json?.map(item => item.id), ['a', 7, 'c', 8], 'mixed batch: answers in order with matching ids');
  checkEqual(mixed.json[0].result, { status: 'not-found' }, 'mixed batch: the good call answered');
  checkEqual(mixed.json[1].error?.code, -32601, 'mixed batch: the unknown method');
  checkEqual(mixed.json[2].error?.code, -32701, 'mixed batch: the bad params');
  check(mixed.json[3].error === undefined && (mixed.json[3].result === undefined || mixed.json[3].result === null),
    'mixed batch: getProvingJob with nothing queued answers no result', mixed.json[3]);

  const single = await post(url, call(9, 'proverBroker_getProvingJobStatus', [unknownId]));
  checkEqual(single.status, 200, 'a good single request: HTTP status');
  checkEqual(single.json, { jsonrpc: '2.0', id: 9, result: { status: 'not-found' } }, 'a good single request: the answer');

  const health = await fetch(new URL('/status', url));
  checkEqual(health.status, 200, 'GET /status');
}
