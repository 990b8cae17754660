#!/usr/bin/env bash
# Runs every test. Installs what the tests need when missing (the RISC-V toolchain, picolibc and
# qemu-user for the guest programs and the differential tests; the .NET SDK is expected on the
# machine), then runs `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK (dotnet) is required but not on PATH" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The differential tests must fail, not skip, when qemu or the toolchain is missing.
export VERITY_REQUIRE_QEMU=1
scripts/install-test-deps.sh
# solc-js, OpenZeppelin and anvil for the market's contracts and chain tests (contracts/package-lock.json).
scripts/install-chain-tools.sh
export VERITY_ANVIL="$PWD/contracts/node_modules/.bin/anvil"
# Aztec's own proving-broker code (@aztec/prover-client 4.1.2, tools/aztec/package-lock.json) for the Aztec harness tests.
scripts/install-aztec-tools.sh
export VERITY_AZTEC_TOOLS="$PWD/tools/aztec"
make -s -C guest
dotnet build Verity.sln -c Release -nologo -v quiet
# The cluster tests run against a real PostgreSQL server and an S3-compatible server: start throwaway ones
# (unless VERITY_TEST_POSTGRES / VERITY_TEST_S3 already point at servers) and stop them on exit.
source scripts/test-services.sh
log=$(mktemp)
trap 'verity_stop_test_services; rm -f "$log"' EXIT
set +e
dotnet test Verity.sln -c Release --no-build -nologo -v quiet --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The field, NTT and BLAKE3 kernels have AVX-512, AVX2 and scalar paths; this machine takes the
# widest, so run their tests again with the wider instruction sets switched off.
# (.NET 8 names the AVX-512 switch EnableAVX512F, .NET 10 EnableAVX512; both are set.)
for isa in "DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0" "DOTNET_EnableAVX2=0"; do
  for project in tests/Verity.Algebra.Tests tests/Verity.Crypto.Tests; do
    echo "== $project with $isa"
    env $isa dotnet test "$project" -c Release --no-build -nologo -v quiet --logger "console;verbosity=minimal" 2>&1 | tee -a "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  done
done
set -e
# One closing line that CI and people can read.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "$passed passed, $failed failed"
rm -f "$log"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
