#!/usr/bin/env bash
# mailpit.sh — make sure the mailpit SMTP test server is built, and print the
# path of its binary. Tests send reminders through it on 127.0.0.1 and read
# them back through its HTTP API; scripts/test.sh exports the path as
# MAILPIT_BIN.
#
# mailpit is a Go program, built from the Go module proxy with `go install`
# into .data/tools (kept between runs; about two minutes the first time).
# Concurrent callers wait for one build (flock).
set -euo pipefail
cd "$(dirname "$0")/.."

version=v1.27.11
dir=${MAILPIT_TOOLS:-$PWD/.data/tools}
bin=$dir/mailpit-$version

if [ ! -x "$bin" ]; then
	mkdir -p "$dir"
	exec 9>"$dir/.mailpit.lock"
	flock 9
	if [ ! -x "$bin" ]; then
		echo "mailpit.sh: building mailpit $version into $dir (once; about two minutes)" >&2
		tmp=$(mktemp -d "$dir/build.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		GOBIN="$tmp" go install "github.com/axllent/mailpit@$version" >&2
		mv "$tmp/mailpit" "$bin"
	fi
fi
echo "$bin"
