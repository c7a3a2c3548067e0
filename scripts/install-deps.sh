#!/usr/bin/env bash
# Install the Debian packages hubtui's demo and tests need, if they are missing:
# PostgreSQL and Redis servers (real servers, started on loopback by cluster/localcluster.py).
set -euo pipefail

need=()
for pkg in postgresql redis-server; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install-deps: installing ${need[*]} from Debian's packages" >&2
$sudo apt-get update -qq
# policy-rc.d or not, the packaged services are not needed: hubtui starts its own servers.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
