#!/usr/bin/env bash
# Runs every CoServe test: unit, integration on real SQLite and PostgreSQL, and browser tests in Chromium.
# Installs what it needs when it can (Debian, as root): PostgreSQL, Chromium and a CJK font. Starts a
# throwaway PostgreSQL on 127.0.0.1 for the run and stops it afterwards. Ends with "N passed, N failed[, N skipped]".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"

can_install() { [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; }
apt_install() {
  if can_install; then
    echo "installing: $*" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
  fi
}

# Chromium and a font that renders Chinese, for the Playwright tests.
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  apt_install chromium fonts-wqy-microhei
fi
if command -v chromium >/dev/null; then export COSERVE_TEST_CHROMIUM="$(command -v chromium)"; fi

# PostgreSQL: a fresh cluster owned by the postgres user (initdb refuses root), trust auth on loopback only.
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
if [[ -z "$pg_bin" ]]; then
  apt_install postgresql
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
fi
pg_dir=""
if [[ -n "$pg_bin" ]]; then
  pg_port="${COSERVE_TEST_PG_PORT:-55432}"
  pg_dir="$(mktemp -d /tmp/coserve-pg.XXXXXX)"
  run_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [[ $(id -u) -eq 0 ]] && chown postgres "$pg_dir"
  if run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
     && run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null; then
    export COSERVE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50"
    trap 'run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pg_dir"' EXIT
  else
    echo "could not start PostgreSQL; see $pg_dir/log" >&2
  fi
fi
# On CI both servers are required: a missing one fails its tests instead of skipping them.
if [[ "${CI:-}" == "true" || "${COSERVE_TEST_REQUIRE_ALL:-}" == "1" ]]; then
  export COSERVE_TEST_REQUIRE_POSTGRES=1 COSERVE_TEST_REQUIRE_CHROMIUM=1
fi

dotnet test "$root/tests/CoServe.Tests/CoServe.Tests.csproj" -c Release \
  --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"
status=$?

trx="$results/results.trx"
if [[ -f "$trx" ]]; then
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n1)"
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  total="$(get total)"; executed="$(get executed)"; passed="$(get passed)"; failed="$(get failed)"
  errors="$(get error)"; timeout="$(get timeout)"; aborted="$(get aborted)"
  failed=$(( ${failed:-0} + ${errors:-0} + ${timeout:-0} + ${aborted:-0} ))
  skipped=$(( ${total:-0} - ${executed:-0} ))
  if (( skipped > 0 )); then echo "${passed:-0} passed, ${failed} failed, ${skipped} skipped"; else echo "${passed:-0} passed, ${failed} failed"; fi
else
  echo "0 passed, 1 failed"
  status=1
fi
exit $status
