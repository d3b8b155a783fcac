#!/usr/bin/env bash
# test.sh — what `make test` runs: formatting and vet checks, then every Go
# test with the race detector against a throwaway PostgreSQL cluster that is
# removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.data/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...

tmp=$(mktemp -d /tmp/postvakt-test.XXXXXX)
chmod 755 "$tmp" # the cluster may run as another user (see pg.sh)
cleanup() {
	scripts/pg.sh stop "$tmp/pg" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
PGTEST_URL=$(scripts/pg.sh start "$tmp/pg")
export PGTEST_URL
echo "test database cluster: $tmp/pg"

# A real SMTP server (mailpit, built once into .data/tools) and a real
# headless Chromium (Debian's package) for the reminder and browser tests.
MAILPIT_BIN=$(scripts/mailpit.sh)
CHROMIUM_BIN=$(scripts/chromium.sh)
export MAILPIT_BIN CHROMIUM_BIN
echo "test SMTP server: $MAILPIT_BIN; browser: $CHROMIUM_BIN"

# The web package takes 8-10 minutes on an idle two-core machine and passed
# 20 on one loaded twenty-fold (2026-12-02): the limit is for a hung test,
# not a slow machine.
go test -race -count=1 -timeout 45m "${@:-./...}"
