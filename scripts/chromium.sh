#!/usr/bin/env bash
# chromium.sh — prints the path of a headless-capable Chromium for the browser
# tests, installing Debian's `chromium` package when it is missing (needs
# root; runs `apt-get update` first). Honours CHROMIUM_BIN when it is set and
# executable.
set -euo pipefail

if [ -n "${CHROMIUM_BIN:-}" ] && [ -x "$CHROMIUM_BIN" ]; then
	echo "$CHROMIUM_BIN"
	exit 0
fi
for c in chromium chromium-browser google-chrome; do
	if p=$(command -v "$c" 2>/dev/null); then
		echo "$p"
		exit 0
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "chromium.sh: Chromium is not installed and installing it needs root (apt-get install chromium)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
{
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
} >&2
p=$(command -v chromium) || {
	echo "chromium.sh: apt-get installed chromium but no chromium binary is on PATH" >&2
	exit 1
}
echo "$p"
