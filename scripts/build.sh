#!/usr/bin/env bash
# build.sh OUT — builds postvakt to OUT with its version stamped, so that
# `postvakt version` and serve's start line say which commit runs: what
# `make build`, `make run`, `make bench` and `make chaos` build.
#
# The version is `git describe --always --dirty` of this checkout (the
# newest tag, the commits since it and the commit; -dirty with changes not
# committed), put in main.version with -ldflags -X. Outside a git checkout
# (a source archive) nothing is stamped and the binary says what Go's build
# information knows ("(devel)"). Version control information (-buildvcs)
# is left to GOFLAGS: kept when Go can read it, as it does by default.
set -euo pipefail
out=${1:?usage: scripts/build.sh OUT}
case $out in
/*) ;;
*) out=$PWD/$out ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd -P)

version=
# Only this checkout's own history: a source tree unpacked inside another
# repository must not take that repository's version.
if top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null) && [ "$(cd "$top" && pwd -P)" = "$root" ]; then
	version=$(git -C "$root" describe --always --dirty 2>/dev/null || true)
fi
ldflags=
if [ -n "$version" ]; then
	ldflags="-X 'main.version=$version'"
fi
cd "$root"
"${GO:-go}" build -ldflags "$ldflags" -o "$out" ./cmd/postvakt
