#!/usr/bin/env bash
# Runs every pg_dts test: formatting, GoogleTest units, pg_regress against a throwaway cluster,
# and the integration tests against the SQL Server simulator (or a real SQL Server when
# MSSQL_HOST/MSSQL_PORT/MSSQL_USER/MSSQL_PASSWORD are set). Installs what it needs first.
# Ends with one line "TOTAL: N passed, N failed, N skipped"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || exit 1
JOBS=$(nproc 2>/dev/null || echo 2)
make -s -j"$JOBS" all simulator unit-build integration-build >/tmp/pg_dts-build.log 2>&1 || { tail -50 /tmp/pg_dts-build.log; echo "build failed"; exit 1; }
if [ "$(id -u)" -eq 0 ]; then make -s install >/dev/null || exit 1; fi

source scripts/lib.sh

PASSED=0 FAILED=0 SKIPPED=0
add() { PASSED=$((PASSED + $1)); FAILED=$((FAILED + $2)); SKIPPED=$((SKIPPED + $3)); }

section() { printf '\n===== %s =====\n' "$*"; }

# --- formatting -------------------------------------------------------------------------------
section "clang-format"
if make -s format-check; then add 1 0 0; else add 0 1 0; fi

# --- unit tests -------------------------------------------------------------------------------
section "unit tests (GoogleTest)"
out="$WORK_DIR/unit.log"
build/unit_tests --gtest_brief=1 2>&1 | tee "$out"
p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
[ -n "$p$f" ] || f=1   # the binary crashed before its summary
add "${p:-0}" "${f:-0}" "${s:-0}"

# --- pg_regress -------------------------------------------------------------------------------
section "pg_regress (make installcheck)"
start_regress_sims || { add 0 1 0; SIM_PORT=0; }
PG_PORT=$(start_pg regress) || { echo "cannot start PostgreSQL"; exit 1; }
export SIM_PORT
out="$WORK_DIR/regress.log"
PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres make -s installcheck 2>&1 | tee "$out"
if grep -qE 'All [0-9]+ tests passed' "$out"; then
  add "$(sed -nE 's/.*All ([0-9]+) tests passed.*/\1/p' "$out")" 0 0
else
  nf=$(sed -nE 's/.* ([0-9]+) of ([0-9]+) tests failed.*/\1 \2/p' "$out")
  if [ -n "$nf" ]; then set -- $nf; add $(($2 - $1)) "$1" 0; else add 0 1 0; fi
  [ -f regression.diffs ] && head -100 regression.diffs
fi

# --- integration tests ------------------------------------------------------------------------
section "integration tests (GoogleTest, FreeTDS connection)"
out="$WORK_DIR/itest.log"
SIM_PORT=$SIM_PORT build/integration_tests --gtest_brief=1 2>&1 | tee "$out"
p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
[ -n "$p$f" ] || f=1
add "${p:-0}" "${f:-0}" 0

section "integration tests (pytest, python-tds + FreeTDS tools)"
out="$WORK_DIR/pytest.log"
/usr/bin/python3 -m pytest -q -p no:cacheprovider test/integration 2>&1 | tee "$out"
summary=$(grep -E '^[=]* ?[0-9]+ (passed|failed|skipped|error)' "$out" | tail -1)
p=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+')
f=$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+')
e=$(grep -oE '[0-9]+ error' <<<"$summary" | grep -oE '[0-9]+')
s=$(grep -oE '[0-9]+ skipped' <<<"$summary" | grep -oE '[0-9]+')
[ -n "$summary" ] || f=1
add "${p:-0}" $(( ${f:-0} + ${e:-0} )) "${s:-0}"

# Scripted end-to-end suites: each prints "<name>: N passed, N failed, N skipped" last.
scripted() { # scripted TITLE NAME SCRIPT [VAR=VALUE ...]
  section "$1"
  local out="$WORK_DIR/$2.log" summary
  env "${@:4}" bash "$3" 2>&1 | grep -v '^NOTICE\|^DETAIL' | tee "$out"
  local rc=${PIPESTATUS[0]}
  summary=$(grep -E "^$2: [0-9]+ passed" "$out" | tail -1)
  if [ -n "$summary" ]; then
    set -- $(sed -E "s/$2: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\\1 \\2 \\3/" <<<"$summary")
    # A suite that stopped early (its setup failed, the destination crashed) counts as a failure
    # even when no check reported one.
    if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
      echo "$2: exited with status $rc"
      add "$1" 1 "$3"
    else
      add "$1" "$2" "$3"
    fi
  else
    add 0 1 0
  fi
}
scripted "integration tests (dts-sidecar full load)" full_load test/integration/sidecar/full_load.sh
scripted "integration tests (dts-sidecar CDC incremental)" cdc_incremental test/integration/sidecar/cdc_incremental.sh
scripted "integration tests (CDC scenarios: stages, checkpoint, capture instances changed by the user)" cdc_scenarios test/integration/sidecar/cdc_scenarios.sh
scripted "integration tests (CDC random workload, kill -9, restarts, bad batch)" cdc_workload test/integration/sidecar/cdc_workload.sh
scripted "integration tests (transaction log: log and hybrid modes end to end)" log_incremental test/integration/sidecar/log_incremental.sh
scripted "integration tests (log mode: random workload, kill -9, restarts, log backups)" log_workload test/integration/sidecar/cdc_workload.sh WORKLOAD_MODE=log
scripted "integration tests (hybrid mode: random workload, kill -9, restarts, log backups)" hybrid_workload test/integration/sidecar/cdc_workload.sh WORKLOAD_MODE=hybrid WORKLOAD_BIG_ROWS=100000
scripted "integration tests (operations: metrics, pause/resume, alerts, pg_cron, repair, resnapshot)" operations test/integration/sidecar/operations.sh
scripted "integration tests (Citus destination)" citus test/integration/citus/schema_sync.sh
scripted "integration tests (install-style T-SQL scripts and bulk loads into the simulator, synced row for row)" install_scripts test/integration/simulator/install_scripts.sh
scripted "integration tests (security: roles, credentials, filters, DDL history, cancel)" security test/integration/security/security.sh

echo
echo "TOTAL: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
