// Runs one scenario with Aztec's own classes (ProvingAgent + MockProver or TestCircuitProver pulling jobs,
// BrokerCircuitProverFacade + createProvingJobBrokerClient pushing them) against the proving broker at --url: Aztec's
// own (aztec-broker.mjs) or Verity's. Exits 0 when every check holds; otherwise prints the failing check and exits 1.
//
//   node harness.mjs --url URL --scenario NAME [--job-timeout-ms 30000] [--max-attempts 3] [--epoch N]
//                    [--expect-timeouts-count] [--big-body-bytes 900000] [--poll-ms 100]
//
// --job-timeout-ms and --max-attempts must be the broker's. --expect-timeouts-count: the broker counts a job timeout
// as an attempt (Verity does; Aztec 4.1.2 does not). --epoch: the epoch of this run's jobs; a broker refuses epochs
// older than its newest minus one, so successive runs against one broker need rising epochs (this run uses E-1..E+1;
// the default comes from the clock). Aztec's logs go to stderr at LOG_LEVEL (default warn).
process.env.LOG_LEVEL ??= 'warn';

const { parseArgs, intArg } = await import('./args.mjs');
const { CheckFailed, checksPassed } = await import('./checks.mjs');

const scenarioModules = ['./scenarios-proving.mjs', './scenarios-protocol.mjs', './scenario-restart.mjs'];

const kebab = name => name.replace(/[A-Z]/g, c => '-' + c.toLowerCase());

let args;
try {
  args = parseArgs(process.argv.slice(2), {
    flags: ['expectTimeoutsCount'],
    defaults: { jobTimeoutMs: '30000', maxAttempts: '3', bigBodyBytes: '900000', pollMs: '100' },
  });
  if (!args.url || !args.scenario) throw new Error('--url and --scenario are required');
} catch (err) {
  console.error(`harness.mjs: ${err.message}`);
  process.exit(2);
}

const { Rig } = await import('./fixtures.mjs');
const scenarios = {};
for (const path of scenarioModules) {
  for (const [name, fn] of Object.entries(await import(path))) {
    if (typeof fn === 'function') scenarios[kebab(name)] = fn;
  }
}
const scenario = scenarios[args.scenario];
if (!scenario) {
  console.error(`harness.mjs: unknown scenario ${args.scenario}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}

const epoch = args.epoch === undefined ? 10 * (Math.floor(Date.now() / 1000) - 1_700_000_000) : intArg(args.epoch, 'epoch');
let seed = Math.floor(Math.random() * 1_000_000) * 1000;
const ctx = {
  url: args.url,
  epoch,
  jobTimeoutMs: intArg(args.jobTimeoutMs, 'job-timeout-ms'),
  maxAttempts: intArg(args.maxAttempts, 'max-attempts'),
  expectTimeoutsCount: args.expectTimeoutsCount === true,
  bigBodyBytes: intArg(args.bigBodyBytes, 'big-body-bytes'),
  seed: () => ++seed,
  rig: new Rig(args.url, intArg(args.pollMs, 'poll-ms')),
};

let code = 0;
try {
  await scenario(ctx);
  process.stdout.write(JSON.stringify({ scenario: args.scenario, ok: true, checks: checksPassed(), epoch }) + '\n');
} catch (err) {
  code = 1;
  const what = err instanceof CheckFailed ? err.message : `unexpected error: ${err?.stack ?? err}`;
  process.stdout.write(`FAIL ${args.scenario}: ${what}\n`);
}
await ctx.rig.close();
process.exit(code);
