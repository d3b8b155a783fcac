#!/usr/bin/env bash
# run.sh — what `make run` runs: a private PostgreSQL in .data/pg (kept
# between runs), the demo shipments registered, and postvakt serving on
# 127.0.0.1 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .data/bin
chmod 755 .data # the cluster may run as another user (see pg.sh)

go build -o .data/bin/postvakt ./cmd/postvakt
pv=.data/bin/postvakt

scripts/pg.sh start .data/pg >/dev/null
trap 'scripts/pg.sh stop .data/pg' EXIT
DATABASE_URL=$(scripts/pg.sh db .data/pg postvakt)
export DATABASE_URL
export POSTVAKT_ADDR=${POSTVAKT_ADDR:-127.0.0.1:8080}

$pv migrate
if [ ! -s .data/demo-token ]; then
	$pv token create --name demo --role admin >.data/demo-token
fi
$pv import testdata/demo/shipments.csv

token=$(cat .data/demo-token)
cat <<MSG

postvakt demo
  API:        http://$POSTVAKT_ADDR/api/v1/shipments
  token:      $token   (also in .data/demo-token)
  try:        curl -H "Authorization: Bearer $token" http://$POSTVAKT_ADDR/api/v1/shipments?limit=5
  database:   $DATABASE_URL
Ctrl-C stops postvakt and the database.

MSG
$pv serve
