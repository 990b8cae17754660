#!/usr/bin/env bash
# Installs the tools the guest SDK and the zkVM differential tests need, only when missing:
#   riscv64-unknown-elf-gcc (+ binutils)   Debian package gcc-riscv64-unknown-elf
#   picolibc for rv32im/ilp32              Debian package picolibc-riscv64-unknown-elf
#   make                                   Debian package make
#   qemu-riscv32 (user-mode emulation)     Debian package qemu-user
#   PostgreSQL 15 server (cluster tests)   Debian package postgresql-15 (scripts/test-services.sh runs it)
#   curl, npm (s3rver, the S3 test server)  Debian packages curl, npm
#   Z3 solver library (chip determinism     Debian packages libz3-4, libgomp1 (the NuGet package Microsoft.Z3
#   checker, tests/Verity.Zkvm.Tests/        ships no Linux library; the checker loads libz3.so.4 itself)
#   Determinism)
# Idempotent and quiet: when everything is present it only runs a few `command -v` / file checks
# and prints nothing. Exits non-zero with a message on stderr when something cannot be installed.
set -euo pipefail

PICOLIBC_DIR=/usr/lib/picolibc/riscv64-unknown-elf

missing=()
command -v riscv64-unknown-elf-gcc >/dev/null 2>&1 || missing+=(gcc-riscv64-unknown-elf)
[ -f "$PICOLIBC_DIR/lib/rv32im/ilp32/libc.a" ] || missing+=(picolibc-riscv64-unknown-elf)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v qemu-riscv32 >/dev/null 2>&1 || missing+=(qemu-user)
[ -x "${VERITY_PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ] || missing+=(postgresql-15)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v npm >/dev/null 2>&1 || missing+=(npm)
has_lib() { ldconfig -p 2>/dev/null | grep "$1" >/dev/null; }
has_lib 'libz3\.so\.4' || missing+=(libz3-4)
has_lib 'libgomp\.so\.1' || missing+=(libgomp1)

[ ${#missing[@]} -eq 0 ] && exit 0

fail() {
  echo "install-test-deps.sh: $*" >&2
  echo "install-test-deps.sh: needed Debian packages: ${missing[*]}" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; install the packages by hand"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    fail "not root and no password-less sudo; install the packages by hand"
  fi
fi

echo "install-test-deps.sh: installing ${missing[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_install() {
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1
}
if ! apt_install; then
  # The package lists may be absent or stale (fresh container): refresh once and retry.
  "${sudo[@]}" apt-get update -q >>"$log" 2>&1 || { tail -n 20 "$log" >&2; fail "apt-get update failed"; }
  apt_install || { tail -n 20 "$log" >&2; fail "apt-get install failed"; }
fi

# Check that what we need is really there now.
command -v riscv64-unknown-elf-gcc >/dev/null 2>&1 || fail "riscv64-unknown-elf-gcc still missing after install"
[ -f "$PICOLIBC_DIR/lib/rv32im/ilp32/libc.a" ] || fail "picolibc rv32im/ilp32 library still missing after install"
command -v make >/dev/null 2>&1 || fail "make still missing after install"
command -v qemu-riscv32 >/dev/null 2>&1 || fail "qemu-riscv32 still missing after install"
has_lib 'libz3\.so\.4' || fail "libz3.so.4 still missing after install"
has_lib 'libgomp\.so\.1' || fail "libgomp.so.1 still missing after install"
echo "install-test-deps.sh: done" >&2
