#!/usr/bin/env bash
# Installs everything Hector needs on a fresh Debian machine:
#   - system packages used by the test suite (bubblewrap, PostgreSQL and Redis servers, nginx and openssl for the
#     deploy/nginx test) when running as root and missing; a Redis or nginx service the package starts is stopped
#     again (tests start their own on loopback);
#   - the npm dependencies, under Node >= 22.18. When the machine's Node is older, npm itself is run
#     under the Node 24 that the npm registry ships (the `node` package), so `engine-strict` holds.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need_apt+=(nginx)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need_apt+=(postgresql)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "install: apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    if [[ " ${need_apt[*]} " == *" redis-server "* ]]; then
      service redis-server stop >/dev/null 2>&1 || true
    fi
    if [[ " ${need_apt[*]} " == *" nginx "* ]]; then
      service nginx stop >/dev/null 2>&1 || true
    fi
  else
    echo "install: missing system packages: ${need_apt[*]} (install them with your package manager)" >&2
  fi
fi

node_major() { node -p 'process.versions.node.split(".").map(Number).reduce((a,v,i)=>i<2?a*1000+v:a,0)' 2>/dev/null || echo 0; }
# 22.18 is the first 22.x that strips TypeScript types without a flag.
if [ "$(node_major)" -ge 22018 ]; then
  npm install --no-audit --no-fund
else
  echo "install: Node $(node --version 2>/dev/null || echo none) is older than 22.18; running npm under Node 24 from the npm registry"
  npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
  [ -f "$npm_cli" ] || npm_cli="$(npm root -g)/npm/bin/npm-cli.js"
  npx -y -p node@24.9.0 -- node "$npm_cli" install --no-audit --no-fund
fi
