#!/usr/bin/env bash
# Prints the Debian archive this machine's apt uses for a suite (from its deb822 .sources files, else its one-line
# lists), or http://deb.debian.org/debian when they name none.
#
#   scripts/debian-mirror.sh SUITE
set -euo pipefail

[ "$#" -eq 1 ] || { printf 'usage: %s SUITE\n' "$0" >&2; exit 2; }
suite=$1
url=$(awk '/^URIs:/ {u=$2} /^Suites:/ && u != "" && $0 ~ / '"$suite"'( |$)/ {print u; exit}' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$url" ]; then
    url=$(awk '$1 == "deb" && $3 == "'"$suite"'" {print $2; exit}' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
fi
printf '%s\n' "${url:-http://deb.debian.org/debian}"
