#!/bin/sh
# Debian packages for video: what the edge box needs to run cameras, and (with --test) what the test suite needs
# for its fake RTSP camera. Run as root. CI calls it with --test before `npx tap`.
set -eu
RUNTIME="ffmpeg srt-tools"
TEST="python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly iproute2"
PACKAGES="$RUNTIME"
[ "${1:-}" = "--test" ] && PACKAGES="$RUNTIME $TEST"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES
