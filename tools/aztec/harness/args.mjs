// A tiny `--name value` parser: every option the harness scripts take has a value, flags excepted.
export function parseArgs(argv, { flags = [], defaults = {} } = {}) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new Error(`unexpected argument ${arg}`);
    }
    const name = arg.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (flags.includes(name)) {
      out[name] = true;
    } else {
      if (i + 1 >= argv.length) {
        throw new Error(`${arg} needs a value`);
      }
      out[name] = argv[++i];
    }
  }
  return out;
}

export function intArg(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`--${name} must be a non-negative integer, got ${value}`);
  }
  return n;
}
