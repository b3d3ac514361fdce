#!/bin/sh
# Regenerates gpsd's own decoding of the NMEA fixtures, used as the test oracle for logs that carry no upstream
# .chk file. Needs Debian's gpsd and gpsd-clients (gpsfake). Output: fixtures/nmea0183/<log>.gpsd.jsonl (TPV only).
set -eu
cd "$(dirname "$0")/../fixtures/nmea0183"
command -v gpsfake >/dev/null || { echo "gpsfake not found: apt-get install gpsd gpsd-clients" >&2; exit 1; }
for log in bu353s4 neo-m8n quectel-eg25-g-2; do
  timeout 120 gpsfake -1 -p -S "$log.log" 2>/dev/null | grep '"class":"TPV"' | sed 's/"device":"[^"]*",//' > "$log.gpsd.jsonl"
  echo "$log: $(wc -l < "$log.gpsd.jsonl") TPV reports"
done
