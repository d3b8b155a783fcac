#!/usr/bin/env bash
# chaos.sh — what `make chaos` runs: the crash test (cmd/pvchaos). serve is
# SIGKILLed at random moments 100 times while it polls, escalates, reminds
# and prints against the simulator (its own PostgreSQL cluster, restarted
# once in the middle; mailpit as the SMTP server), then the simulator's and
# mailpit's records are compared with the database. Exits non-zero on any
# duplicate or loss.
#
#   make chaos                       100 kills, 3,000 letters
#   make chaos ARGS='--kills 20 --keep --seed 7'
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d /tmp/postvakt-chaos.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
bash scripts/build.sh "$tmp/postvakt"
go build -o "$tmp/pvchaos" ./cmd/pvchaos
mailpit=$(scripts/mailpit.sh)
"$tmp/pvchaos" --postvakt "$tmp/postvakt" --mailpit "$mailpit" --pg-script scripts/pg.sh "$@"
