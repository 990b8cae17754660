#!/usr/bin/env bash
# Installs Aztec's own proving-broker code when missing, at the versions tools/aztec/package-lock.json pins:
#   @aztec/prover-client 4.1.2 (with @aztec/bb-prover, @aztec/foundation, @aztec/stdlib 4.1.2)
# into tools/aztec/node_modules (needs npm; scripts/install-test-deps.sh installs it). Quiet when present.
# tools/aztec/harness/*.mjs drives these classes against Verity's Aztec endpoint (tests/Verity.Aztec.Tests/Harness).
#
# `npm ci` refuses this lock file: it lists @crate-crypto/node-eth-kzg's platform packages for linux-x64 only, because
# the registry it was made against serves no others, and npm ci then calls the lock out of sync. `npm install
# --no-save` installs exactly the locked versions (skipping optional packages it cannot fetch) and never rewrites the
# lock file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/tools/aztec"
marker="$dir/node_modules/@aztec/prover-client/package.json"
if [ -f "$marker" ] && [ -f "$dir/node_modules/@aztec/bb-prover/package.json" ] \
    && [ "$(node -p "require('$marker').version" 2>/dev/null)" = "4.1.2" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-aztec-tools.sh: npm is required" >&2; exit 1; }
echo "install-aztec-tools.sh: installing @aztec/prover-client 4.1.2 into $dir/node_modules ..." >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! (cd "$dir" && npm install --no-save --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "install-aztec-tools.sh: npm install failed" >&2
  exit 1
fi
[ -f "$marker" ] || { echo "install-aztec-tools.sh: @aztec/prover-client missing after install" >&2; exit 1; }
