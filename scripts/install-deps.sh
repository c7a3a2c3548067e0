#!/usr/bin/env bash
# Install the Debian packages hubtui's demo and tests need, if they are missing:
# PostgreSQL and Redis servers (real servers, started on loopback by cluster/localcluster.py), and Debian's
# Chromium with its chromedriver for the browser tests of `hubtui serve` (Selenium is pointed at
# /usr/bin/chromedriver: nothing downloads a browser of its own). The browser is optional: where it cannot
# be installed, the browser tests are skipped with the reason printed. zsh and fish, for the tests of the Tab
# completion in each shell hubtui prints a script for.
set -euo pipefail

missing() {
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}
mapfile -t need < <(missing postgresql redis-server zsh fish)
mapfile -t browser < <(missing chromium chromium-driver)
[ ${#need[@]} -eq 0 ] && [ ${#browser[@]} -eq 0 ] && exit 0
no_browser="install-deps: could not install ${browser[*]}: the browser tests of hubtui serve will be skipped"

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    [ ${#need[@]} -eq 0 ] && { echo "$no_browser (no root, no sudo)" >&2; exit 0; }
    echo "install-deps: need root (or sudo) to install: ${need[*]} ${browser[*]}" >&2
    exit 1
  fi
  sudo=sudo
fi
echo "install-deps: installing ${need[*]} ${browser[*]} from Debian's packages" >&2
$sudo apt-get update -qq
# policy-rc.d or not, the packaged services are not needed: hubtui starts its own servers.
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ${#browser[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${browser[@]}" >/dev/null \
    || echo "$no_browser" >&2
fi
