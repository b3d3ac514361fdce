#!/bin/sh
# ambulink needs Node.js >= 20.15 (serialport 13, aedes 1.2). Debian 13 ships Node 20; Debian 12 ships 18.
set -eu
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js is not installed. Install Node.js 20 or newer: on Debian 13 'apt-get install nodejs npm'," >&2
  echo "on Debian 12 use the NodeSource packages or the official binaries from nodejs.org." >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=15)?0:1)'; then
  echo "Node.js $(node --version) is too old: ambulink needs 20.15 or newer." >&2
  exit 1
fi
