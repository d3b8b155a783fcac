#!/usr/bin/env bash
# bench.sh — what `make bench` runs: Go benchmarks, then the load tool
# (cmd/pvbench) against a throwaway PostgreSQL cluster and the simulator on
# loopback. It prints figures; targets are in ../shared/SPEC.md.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%d)"
echo "== Go benchmarks"
go test -run '^$' -bench . -benchmem ./internal/model/ ./internal/calendar/ ./internal/escalate/ 2>&1 | grep -E '^(Benchmark|ok|FAIL)' || true

tmp=$(mktemp -d /tmp/postvakt-bench.XXXXXX)
chmod 755 "$tmp"
cleanup() {
	scripts/pg.sh stop "$tmp/pg" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
scripts/pg.sh start "$tmp/pg" >/dev/null
DATABASE_URL_IMPORT=$(scripts/pg.sh db "$tmp/pg" bench_import)
DATABASE_URL_POLL=$(scripts/pg.sh db "$tmp/pg" bench_poll)
export DATABASE_URL_IMPORT DATABASE_URL_POLL

go build -o "$tmp/postvakt" ./cmd/postvakt
echo "== load (pvbench)"
go run ./cmd/pvbench --postvakt "$tmp/postvakt" "$@"

echo "== lists on the imported shipments (all unopened; p95 in ms)"
POSTVAKT_BENCH_URL=$DATABASE_URL_IMPORT go test -run '^$' -bench BenchmarkLists -benchtime 50x ./internal/store/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)' || true

echo "== health rules and incident report on the imported shipments (p95 in ms)"
POSTVAKT_BENCH_URL=$DATABASE_URL_IMPORT go test -run '^$' -bench BenchmarkHealth -benchtime 5x ./internal/health/ 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)' || true
