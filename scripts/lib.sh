# Shared shell helpers for the README commands: throwaway PostgreSQL clusters and simulators.
# Source it; everything started here is stopped by cleanup_all (installed as an EXIT trap).

PG_BINDIR=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK_DIR=${PG_DTS_WORK_DIR:-$(mktemp -d /tmp/pg_dts.XXXXXX)}
mkdir -p "$WORK_DIR" && chmod 755 "$WORK_DIR"
CLEANUP_PIDS=()
CLEANUP_CLUSTERS=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# TAP-like checks for the end-to-end test scripts; they print "NAME: N passed, N failed, N skipped".
passed=0 failed=0 skipped=0
check() { # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok - $1"
  else failed=$((failed + 1)); echo "not ok - $1: expected '$2', got '$3'"; fi
}
skip() { skipped=$((skipped + 1)); echo "skip - $1"; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# PostgreSQL refuses to run as root; as root we run the cluster as the postgres system user.
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_pg NAME -> sets PGPORT_<NAME>, PGDATA_<NAME>; prints the port
start_pg() {
  local name=$1 port dir
  port=$(free_port)
  dir="$WORK_DIR/pg_$name"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  as_pg_owner "$PG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 \
    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
max_connections = 60
shared_buffers = 256MB
max_wal_size = 4GB
CONF
  # Extra settings for this cluster, e.g. shared_preload_libraries for Citus nodes.
  [ -z "${PG_EXTRA_CONF:-}" ] || printf '%s\n' "$PG_EXTRA_CONF" >>"$dir/data/postgresql.conf"
  as_pg_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null ||
    { cat "$dir/server.log" >&2; return 1; }
  CLEANUP_CLUSTERS+=("$dir/data")
  log "PostgreSQL $name on 127.0.0.1:$port ($dir)"
  echo "$port"
}

# start_sim NAME [sqlsim options...] -> prints the port
start_sim() {
  local name=$1; shift
  local dir="$WORK_DIR/sim_$name"
  mkdir -p "$dir/data"
  "$ROOT_DIR/build/sqlsim" --port 0 --port-file "$dir/port" --data-dir "$dir/data" \
    --log-file "$dir/sqlsim.log" "$@" >"$dir/stdout.log" 2>&1 &
  local pid=$!
  CLEANUP_PIDS+=("$pid")
  echo "$pid" >"$dir/pid"
  for _ in $(seq 1 6000); do  # up to 5 minutes: --init-sql may load a large sample
    [ -s "$dir/port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/stdout.log" >&2; return 1; }
    sleep 0.05
  done
  [ -s "$dir/port" ] || { log "simulator $name did not start"; cat "$dir/stdout.log" >&2; return 1; }
  log "SQL Server simulator $name on 127.0.0.1:$(cat "$dir/port") (pid $pid)"
  cat "$dir/port"
}

# start_pg/start_sim usually run in $(...) subshells, whose arrays the EXIT trap never sees: what
# they start is also found through the work directory (sim_*/pid, pg_*/data).
cleanup_all() {
  local pid dir
  for pid in "${CLEANUP_PIDS[@]}" $(cat "$WORK_DIR"/sim_*/pid 2>/dev/null); do
    kill "$pid" 2>/dev/null || true
  done
  for dir in "${CLEANUP_CLUSTERS[@]}" "$WORK_DIR"/pg_*/data; do
    [ -d "$dir" ] || continue
    as_pg_owner "$PG_BINDIR/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
  done
  wait 2>/dev/null || true
  [ -n "${PG_DTS_KEEP_WORK_DIR:-}" ] || rm -rf "$WORK_DIR"
}
trap cleanup_all EXIT

# The simulators the pg_regress suites use: SIM_PORT (the regress sample, plus a non-sysadmin
# login), SIM_PORT_STD2016 (Standard 2016 RTM on a renamed host: CDC prechecks fail) and
# SIM_PORT_2017 (Standard 2017: prechecks warn). Exports the three ports.
start_regress_sims() {
  SIM_PORT=$(start_sim regress --init-sql "$ROOT_DIR/test/sample/regress_source.sql" \
    --login dts_reader:Reader_Passw0rd) || return 1
  SIM_PORT_STD2016=$(start_sim std2016 --edition "Standard Edition (64-bit)" --engine-edition 2 \
    --product-version 13.0.1601.5 --server-name OLDHOST --machine-name NEWHOST) || return 1
  SIM_PORT_2017=$(start_sim v2017 --edition "Standard Edition (64-bit)" --engine-edition 2 \
    --product-version 14.0.3456.2) || return 1
  export SIM_PORT SIM_PORT_STD2016 SIM_PORT_2017
}

# freetds_conf SECTION HOST PORT: adds a [SECTION] to $WORK_DIR/freetds.conf (for tsql, freebcp,
# pgloader) and prints the file's path; use it as FREETDSCONF.
freetds_conf() {
  printf '[%s]\n\thost = %s\n\tport = %s\n\ttds version = 7.4\n\tclient charset = UTF-8\n' \
    "$1" "$2" "$3" >>"$WORK_DIR/freetds.conf"
  echo "$WORK_DIR/freetds.conf"
}

# ---- shorthands for the end-to-end suites ------------------------------------------------------
# use_source SIMNAME [sqlsim options...]: sets SRC_HOST/SRC_PORT/SRC_USER/SRC_PASSWORD for a real
# SQL Server when MSSQL_HOST/MSSQL_PORT/MSSQL_USER/MSSQL_PASSWORD are set, else for a simulator
# started here (not in a subshell: it sets variables).
use_source() {
  if [ -n "${MSSQL_HOST:-}" ]; then
    SRC_HOST=$MSSQL_HOST SRC_PORT=${MSSQL_PORT:-1433} SRC_USER=$MSSQL_USER SRC_PASSWORD=$MSSQL_PASSWORD
  else
    SRC_HOST=127.0.0.1 SRC_USER=sa SRC_PASSWORD=Sim_Passw0rd
    SRC_PORT=$(start_sim "$@") || return 1
  fi
}

# use_destination NAME: a cluster for the suite; exports libpq's PG* for psql, sets PG_PORT and
# DEST (the sidecar's --destination).
use_destination() {
  PG_PORT=$(start_pg "$1") || return 1
  export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres PGDATABASE=postgres
  DEST="host=127.0.0.1 port=$PG_PORT dbname=postgres user=postgres"
}

q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
# src TSQL: runs a batch at the source through the server "src".
src() { q -c "SELECT dts_source_exec('src', \$tsql\$$1\$tsql\$)" >/dev/null; }

# create_source_server: the extension, and the foreign server "src" for the source with the
# current user's mapping.
create_source_server() {
  q >/dev/null <<SQL
CREATE EXTENSION pg_dts;
CREATE SERVER src FOREIGN DATA WRAPPER pg_dts OPTIONS (host '$SRC_HOST', port '$SRC_PORT', encrypt 'request');
CREATE USER MAPPING FOR CURRENT_USER SERVER src OPTIONS (user '$SRC_USER', password '$SRC_PASSWORD');
SQL
}

wait_grep() { # wait_grep SECONDS PATTERN FILE -> yes once grep finds it, no after SECONDS
  local end=$((SECONDS + $1))
  until grep -q -- "$2" "$3" 2>/dev/null; do
    [ "$SECONDS" -ge "$end" ] && { echo no; return; }
    sleep 0.2
  done
  echo yes
}
wait_for() { # wait_for SECONDS SQL EXPECTED -> prints the last value
  local v end=$((SECONDS + $1))
  while :; do
    v=$(q -c "$2" 2>/dev/null)
    [ "$v" = "$3" ] || [ "$SECONDS" -ge "$end" ] && break
    sleep 0.2
  done
  echo "$v"
}
