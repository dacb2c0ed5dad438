#!/bin/sh
# Install the Debian packages named in $PACKAGES that are not installed yet.
# Runs apt-get only when something is missing, through sudo when not root.
set -eu
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "hangdoi: these system packages are missing and this is not a Debian/Ubuntu system:$missing" >&2
    echo "hangdoi: install their equivalents by hand, then run make again." >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "hangdoi: installing system packages:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
