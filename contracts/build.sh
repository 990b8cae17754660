#!/usr/bin/env bash
# Compiles contracts/src (and the test helpers in contracts/test) and writes the artifacts the C# code embeds:
#   src/Verity.Chain/Contracts/Artifacts/<Contract>.json, tests/Verity.Chain.Tests/Contracts/Artifacts/<Contract>.json
# Commit them: the command line deploys them on machines without npm. A test fails when they are stale.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-chain-tools.sh"
node "$root/contracts/compile.js" --write
