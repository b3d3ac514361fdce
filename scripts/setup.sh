#!/bin/sh
# From a fresh Debian machine with Node.js >= 20.15, one command each:
#   ./scripts/setup.sh demo    install what the demo needs, build, and start the demo (no hardware needed)
#   ./scripts/setup.sh test    install what the tests need, build, and run the whole test suite
set -eu
cd "$(dirname "$0")/.."
what=${1:-}
case "$what" in
  demo|test) ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac
./scripts/check-node.sh

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
# Debian packages. The demo needs socat (pseudo-terminals for the simulated serial devices), ffmpeg and srt-tools
# (the simulated camera and its SRT live leg) and openssl (the crew console's self-signed certificate); the tests
# also use mosquitto (a second real broker), gpsd (NMEA oracles), iproute2 (network namespaces, tbf), GStreamer's
# RTSP server through python3-gi (a fake IP camera) and chromium (the console's browser tests).
packages="socat ffmpeg srt-tools openssl"
[ "$what" = test ] && packages="$packages mosquitto mosquitto-clients gpsd gpsd-clients iproute2 chromium \
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly"
missing=
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

npm ci --no-audit --no-fund
npm run build

if [ "$what" = demo ]; then
  exec node dist/src/cli/main.js demo
fi
exec npx tap
