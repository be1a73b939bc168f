#!/usr/bin/env bash
# Installs and starts what the test suite needs on a brand-new machine:
# Debian's Chromium for the browser test of the web page. Later stages add
# redis-server (and start it) here. Idempotent: a second run installs nothing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "services ready: chromium $(chromium --version 2>/dev/null | awk '{print $2}')"
