#!/bin/sh
# tests/install-deps.sh - install what building and testing alphawrite needs,
# on Debian or Ubuntu, skipping packages that are already there.
#
#   build: gcc make pkg-config libcurl4-openssl-dev libcjson-dev zlib1g-dev
#   tests: libcmocka-dev python3 (standard library only) groff-base (man page)
#          tmux less (rate and show driven through a real terminal)
#   examples: jq
#   `install-deps.sh fuzz` also: clang libclang-rt-14-dev (libFuzzer)
#   `install-deps.sh report` also: chromium (make report-check)
set -e
pkgs="gcc make pkg-config libcurl4-openssl-dev libcjson-dev zlib1g-dev libcmocka-dev python3 jq ca-certificates"
pkgs="$pkgs groff-base tmux less"
[ "$1" = fuzz ] && pkgs="$pkgs clang libclang-rt-14-dev"
[ "$1" = report ] && pkgs="$pkgs chromium"
missing=""
for p in $pkgs; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "install-deps: need root (or sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
