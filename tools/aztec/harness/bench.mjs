// Throughput of a proving broker under Aztec's own clients: --agents ProvingAgents (MockProver, no delay, each with its
// own client, as separate agent processes would be) drain --jobs PARITY_BASE jobs that Aztec's facade enqueues all at
// once. Prints {"phase":"enqueue"} as the timed span starts, then one JSON line: jobs/s from the first enqueue to the
// last result, per-job latency (enqueue call to the facade's result, so it includes the facade's --poll-ms polling),
// and this process's CPU time over the same span (user + system, all of node's threads): near 1 s per second means
// its one JavaScript thread, which runs every agent and the facade, is the bottleneck.
//
// --warmup N first runs N other jobs through the same agents and facade, untimed, so that both sides' JIT compilers
// have done their work before the timed span.
//
//   node bench.mjs --url URL [--agents 16] [--jobs 1000] [--warmup 0] [--poll-ms 100] [--epoch N]
process.env.LOG_LEVEL ??= 'error';

const { parseArgs, intArg } = await import('./args.mjs');
const { makeParityBasePrivateInputs } = await import('./aztec.mjs');
const { Rig, ScriptedProver } = await import('./fixtures.mjs');
const { settle } = await import('./checks.mjs');

const args = parseArgs(process.argv.slice(2), { defaults: { agents: '16', jobs: '1000', warmup: '0', pollMs: '100' } });
if (!args.url) {
  console.error('bench.mjs: --url is required');
  process.exit(2);
}
const agents = intArg(args.agents, 'agents');
const jobs = intArg(args.jobs, 'jobs');
const warmup = intArg(args.warmup, 'warmup');
const epoch = args.epoch === undefined ? 10 * (Math.floor(Date.now() / 1000) - 1_700_000_000) : intArg(args.epoch, 'epoch');
const rig = new Rig(args.url, intArg(args.pollMs, 'poll-ms'));

const seedBase = Math.floor(Math.random() * 1_000_000) * 100_000;
const inputs = Array.from({ length: jobs }, (_, i) => makeParityBasePrivateInputs(seedBase + i));
const warmupInputs = Array.from({ length: warmup }, (_, i) => makeParityBasePrivateInputs(seedBase + jobs + i));
const provers = Array.from({ length: agents }, () => new ScriptedProver());
provers.forEach(prover => rig.agent(prover));
const { facade } = rig.facade();

await settle(
  Promise.all(warmupInputs.map(i => facade.getBaseParityProof(i, undefined, epoch))),
  `${warmup} warm-up jobs`,
  Number(process.env.VERITY_BENCH_GUARD_MS ?? 600_000),
);
const warmupProved = provers.reduce((n, p) => n + p.totalCalls(), 0);

// The timed span starts here: a line for whoever watches the broker's CPU over the same span.
process.stdout.write(JSON.stringify({ phase: 'enqueue' }) + '\n');
const latencies = [];
const cpuBefore = process.cpuUsage();
const started = performance.now();
await settle(
  Promise.all(
    inputs.map(async i => {
      const t = performance.now();
      await facade.getBaseParityProof(i, undefined, epoch);
      latencies.push(performance.now() - t);
    }),
  ),
  `${jobs} jobs`,
  Number(process.env.VERITY_BENCH_GUARD_MS ?? 600_000),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
latencies.sort((a, b) => a - b);
const pct = p => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]);
const proved = provers.reduce((n, p) => n + p.totalCalls(), 0) - warmupProved;
process.stdout.write(
  JSON.stringify({
    url: args.url,
    agents,
    jobs,
    warmup,
    proved,
    completed: latencies.length,
    seconds: Number(seconds.toFixed(3)),
    jobsPerSecond: Number((jobs / seconds).toFixed(1)),
    latencyMs: { p50: pct(0.5), p95: pct(0.95), max: Math.round(latencies.at(-1)) },
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
  }) + '\n',
);
await rig.close();
process.exit(0);
