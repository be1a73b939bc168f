#!/usr/bin/env bash
# Installs and starts what the test suite needs on a brand-new machine:
# Debian's Chromium for the browser test of the web page, redis-server for
# the Redis backends (rate limits, budgets, cache) and PostgreSQL for the SQL
# loader. Tests start their own
# redis-server on a free loopback port (src/testing), so nothing is started
# here. Idempotent: a second run installs nothing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# PostgreSQL for the SQL loader's tests (they initdb a throwaway cluster on a free port).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "services ready: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), redis-server $(redis-server --version | sed -E 's/.*v=([0-9.]+).*/\1/')"
