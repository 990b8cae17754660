#!/usr/bin/env bash
# The Aztec endpoint benchmark of docs/PERFORMANCE.md ("Aztec endpoint"): installs Aztec's packages when missing
# (scripts/install-aztec-tools.sh), starts a throwaway PostgreSQL (scripts/test-services.sh) unless
# VERITY_TEST_POSTGRES already names a server, and runs
#
#   verity bench aztec --postgres "$VERITY_TEST_POSTGRES" [ARGS...]      (defaults: --jobs 500 --agents 16 --rounds 2)
#
# so one run measures Aztec's own in-memory broker, a Verity node on SQLite and one on PostgreSQL side by side.
# Example: scripts/bench-aztec.sh --rounds 3 --json
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-aztec-tools.sh
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
trap verity_stop_test_services EXIT
dotnet run --project src/Verity.Cli -c Release -- bench aztec --tools "$root/tools/aztec" --postgres "$VERITY_TEST_POSTGRES" "$@"
