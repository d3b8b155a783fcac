#!/usr/bin/env bash
# bench.sh — what `make bench` runs: the load tool (cmd/pvbench) against a
# throwaway PostgreSQL cluster, the simulator and mailpit on loopback. It
# prints one table (each figure beside its anchor measured in the same run,
# and its target) and writes it to bench/results.md.
#
#   make bench                 full size (1,000,000 letters; six and a half to eight minutes on two cores)
#   make bench ARGS=--quick    a tenth of the size (also: BENCH_QUICK=1)
#   make bench ARGS='--only import,escalate --keep'
set -euo pipefail
cd "$(dirname "$0")/.."

args=("$@")
if [ "${BENCH_QUICK:-}" = 1 ]; then
	args+=(--quick)
fi

tmp=$(mktemp -d /tmp/postvakt-bench.XXXXXX)
chmod 755 "$tmp" # the cluster may run as another user (see pg.sh)
cleanup() {
	scripts/pg.sh stop "$tmp/pg" || true
	rm -rf "$tmp"
}
trap cleanup EXIT

bash scripts/build.sh "$tmp/postvakt"
go build -o "$tmp/pvbench" ./cmd/pvbench
pg=$(scripts/pg.sh start "$tmp/pg")
mailpit=$(scripts/mailpit.sh)
"$tmp/pvbench" --postvakt "$tmp/postvakt" --pg "$pg" --mailpit "$mailpit" "${args[@]}"
