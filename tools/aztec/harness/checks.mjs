// Checks and waits for the harness scenarios. A failed check throws CheckFailed, which the harness prints and turns
// into a non-zero exit. Waits poll a condition under a hang guard and never judge how long something took.
export class CheckFailed extends Error {
  constructor(message) {
    super(message);
    this.name = 'CheckFailed';
  }
}

let passed = 0;

/** Counts the checks that held, for the closing line. */
export function checksPassed() {
  return passed;
}

export function check(condition, what, detail) {
  if (!condition) {
    throw new CheckFailed(detail === undefined ? what : `${what} (got ${show(detail)})`);
  }
  passed++;
}

export function checkEqual(actual, expected, what) {
  check(deepEqual(actual, expected), what, { actual, expected });
}

/** Awaits `promise` and checks it rejects; returns the error. */
export async function checkRejects(promise, what) {
  try {
    const value = await promise;
    throw new CheckFailed(`${what} (it succeeded with ${show(value)})`);
  } catch (err) {
    if (err instanceof CheckFailed) throw err;
    passed++;
    return err;
  }
}

export const HANG_GUARD_MS = Number(process.env.VERITY_HARNESS_HANG_GUARD_MS ?? 120_000);

/** Polls `condition` (sync or async) until it returns a truthy value, which it returns; fails after the hang guard. */
export async function waitFor(condition, what, { intervalMs = 25, guardMs = HANG_GUARD_MS } = {}) {
  const deadline = Date.now() + guardMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new CheckFailed(`hang guard: still waiting after ${guardMs} ms for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}

/** Awaits `promise` under the hang guard. */
export async function settle(promise, what, guardMs = HANG_GUARD_MS) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailed(`hang guard: ${what} did not settle within ${guardMs} ms`)), guardMs);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

export function show(value) {
  const text = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  return text === undefined ? String(value) : text.length > 400 ? text.slice(0, 400) + '…' : text;
}

function deepEqual(a, b) {
  const text = value => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  return text(a) === text(b);
}
