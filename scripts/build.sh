#!/usr/bin/env bash
# build.sh OUT [VERSION] — builds postvakt to OUT with its version stamped, so that
# `postvakt version` and serve's start line say which commit runs: what
# `make build`, `make run`, `make bench` and `make chaos` build.
#
# The version is `git describe --always --dirty` of this checkout (the
# newest tag, the commits since it and the commit; -dirty with changes not
# committed), put in main.version with -ldflags -X. Outside a git checkout
# (a source archive) nothing is stamped and the binary says what Go's build
# information knows ("(devel)"), unless VERSION is given: a version given
# by hand (`make build VERSION=v1.4.0`, for a source archive or a package
# build) is stamped instead of git's. It must be one word of letters,
# digits and . _ + - (at most 100), else the build stops saying so.
# Version control information (-buildvcs) is left to GOFLAGS: kept when Go
# can read it, as it does by default.
set -euo pipefail
out=${1:?usage: scripts/build.sh OUT [VERSION]}
given=${2:-}
case $out in
/*) ;;
*) out=$PWD/$out ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd -P)

version=
if [ -n "$given" ]; then
	if ! [[ $given =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$ ]]; then
		echo "scripts/build.sh: VERSION \"$given\" is not a version: one word of letters, digits and . _ + - (at most 100)" >&2
		exit 2
	fi
	version=$given
# Only this checkout's own history: a source tree unpacked inside another
# repository must not take that repository's version.
elif top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null) && [ "$(cd "$top" && pwd -P)" = "$root" ]; then
	version=$(git -C "$root" describe --always --dirty 2>/dev/null || true)
fi
ldflags=
if [ -n "$version" ]; then
	ldflags="-X 'main.version=$version'"
fi
cd "$root"
"${GO:-go}" build -ldflags "$ldflags" -o "$out" ./cmd/postvakt
