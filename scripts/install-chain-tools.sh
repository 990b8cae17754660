#!/usr/bin/env bash
# Installs the market's chain tools when missing, at the versions contracts/package-lock.json pins:
#   solc 0.8.37 (solc-js), @openzeppelin/contracts 5.7.0   compile contracts/ offline (contracts/build.sh)
#   @foundry-rs/anvil-linux-amd64 1.7.1                    the local chain of the tests and `verity devnet up`
# into contracts/node_modules (needs npm; scripts/install-test-deps.sh installs it). Quiet when present.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/contracts"
if [ -x "$dir/node_modules/.bin/anvil" ] && [ -f "$dir/node_modules/solc/package.json" ] \
    && [ -f "$dir/node_modules/@openzeppelin/contracts/package.json" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-chain-tools.sh: npm is required" >&2; exit 1; }
echo "install-chain-tools.sh: installing solc, OpenZeppelin contracts and anvil into $dir/node_modules ..." >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "install-chain-tools.sh: npm ci failed" >&2
  exit 1
fi
[ -x "$dir/node_modules/.bin/anvil" ] || { echo "install-chain-tools.sh: anvil missing after install" >&2; exit 1; }
