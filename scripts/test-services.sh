# Starts the throwaway servers the cluster tests need and exports where they are. Source it (test.sh does):
#
#   source scripts/test-services.sh
#   trap verity_stop_test_services EXIT
#
#   PostgreSQL 15  initdb + pg_ctl into a `mktemp -d` folder (as user postgres when running as root), on a free
#                  loopback port; exports VERITY_TEST_POSTGRES (an admin connection string).
#   s3rver 3.7.1   npm package installed into <repo>/.tools/s3rver when missing, on a free loopback port with the
#                  bucket verity-test; exports VERITY_TEST_S3 (http://127.0.0.1:PORT; keys S3RVER/S3RVER).
#
# A server whose variable is already set is not started (point the tests at your own servers that way).
# verity_stop_test_services stops what this script started and removes its temporary folders.

VERITY_PG_BIN=${VERITY_PG_BIN:-/usr/lib/postgresql/15/bin}
VERITY_SERVICES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_verity_pg_dir=""
_verity_s3_dir=""
_verity_s3_pid=""

_verity_say() { echo "test-services.sh: $*" >&2; }

# A TCP port on 127.0.0.1 that nothing listens on right now.
_verity_free_port() {
  if command -v python3 >/dev/null 2>&1 && python3 -c 'pass' 2>/dev/null; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  _verity_say "no free loopback port found"
  return 1
}

# Runs a PostgreSQL server binary as the user that owns the data folder (postgres when we are root).
_verity_pg_run() {
  if [ "$(id -u)" -eq 0 ]; then
    local quoted
    printf -v quoted '%q ' "$@"
    su postgres -s /bin/bash -c "$quoted"
  else
    "$@"
  fi
}

_verity_start_postgres() {
  if [ -n "${VERITY_TEST_POSTGRES:-}" ]; then return 0; fi
  if [ ! -x "$VERITY_PG_BIN/initdb" ]; then
    _verity_say "PostgreSQL 15 server binaries not found in $VERITY_PG_BIN (Debian package postgresql-15)"
    return 1
  fi
  local port
  port=$(_verity_free_port) || return 1
  _verity_pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/verity-pg.XXXXXX")
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$_verity_pg_dir"; fi
  if ! _verity_pg_run "$VERITY_PG_BIN/initdb" -D "$_verity_pg_dir/data" -U postgres --auth=trust -E UTF8 \
      >"$_verity_pg_dir/initdb.log" 2>&1; then
    cat "$_verity_pg_dir/initdb.log" >&2
    _verity_say "initdb failed"
    return 1
  fi
  # fsync stays on (the stores' durability is part of what is tested); synchronous_commit keeps its default.
  if ! _verity_pg_run "$VERITY_PG_BIN/pg_ctl" -D "$_verity_pg_dir/data" -w -t 60 -l "$_verity_pg_dir/server.log" \
      -o "-p $port -k $_verity_pg_dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null; then
    cat "$_verity_pg_dir/server.log" >&2
    _verity_say "PostgreSQL did not start"
    return 1
  fi
  local i
  for i in $(seq 1 100); do
    if pg_isready -q -h 127.0.0.1 -p "$port" -U postgres 2>/dev/null; then
      export VERITY_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      return 0
    fi
    sleep 0.1
  done
  _verity_say "PostgreSQL on port $port does not accept connections (log: $_verity_pg_dir/server.log)"
  return 1
}

_verity_start_s3rver() {
  if [ -n "${VERITY_TEST_S3:-}" ]; then return 0; fi
  local tools="$VERITY_SERVICES_ROOT/.tools/s3rver"
  local bin="$tools/node_modules/.bin/s3rver"
  if [ ! -x "$bin" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      _verity_say "npm is required to install s3rver (the S3 test server)"
      return 1
    fi
    _verity_say "installing s3rver@3.7.1 into $tools ..."
    mkdir -p "$tools"
    if ! npm install --prefix "$tools" --no-audit --no-fund --loglevel=error s3rver@3.7.1 >"$tools/install.log" 2>&1; then
      cat "$tools/install.log" >&2
      _verity_say "npm install s3rver@3.7.1 failed"
      return 1
    fi
  fi
  local port
  port=$(_verity_free_port) || return 1
  _verity_s3_dir=$(mktemp -d "${TMPDIR:-/tmp}/verity-s3.XXXXXX")
  # s3rver 3.7.1 makes list continuation tokens with DES, which Node 20 refuses without the legacy provider.
  NODE_OPTIONS=--openssl-legacy-provider "$bin" -d "$_verity_s3_dir/data" -a 127.0.0.1 -p "$port" --configure-bucket verity-test \
    >"$_verity_s3_dir/server.log" 2>&1 &
  _verity_s3_pid=$!
  local i
  for i in $(seq 1 150); do
    # Any HTTP answer (s3rver replies 403 to an unsigned request) means it is up.
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
      export VERITY_TEST_S3="http://127.0.0.1:$port"
      return 0
    fi
    if ! kill -0 "$_verity_s3_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  cat "$_verity_s3_dir/server.log" >&2
  _verity_say "s3rver on port $port did not start"
  return 1
}

# Stops the servers this script started and removes their folders. Safe to call more than once.
verity_stop_test_services() {
  if [ -n "$_verity_s3_pid" ]; then
    kill "$_verity_s3_pid" 2>/dev/null || true
    wait "$_verity_s3_pid" 2>/dev/null || true
    _verity_s3_pid=""
  fi
  if [ -n "$_verity_s3_dir" ]; then rm -rf "$_verity_s3_dir"; _verity_s3_dir=""; fi
  if [ -n "$_verity_pg_dir" ]; then
    if [ -f "$_verity_pg_dir/data/postmaster.pid" ]; then
      _verity_pg_run "$VERITY_PG_BIN/pg_ctl" -D "$_verity_pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$_verity_pg_dir"
    _verity_pg_dir=""
  fi
}

if ! _verity_start_postgres || ! _verity_start_s3rver; then
  verity_stop_test_services
  return 1 2>/dev/null || exit 1
fi
