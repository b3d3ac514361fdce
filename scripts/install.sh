#!/bin/sh
# Installs ambulink on a Debian edge box: a system user, the package under /usr/local/lib/ambulink, the `ambulink`
# command, /etc/ambulink with an example vehicle config, the systemd unit and the udev rules.
# Run from an unpacked source tree as root:  sudo ./scripts/install.sh
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/usr/local/lib/ambulink

[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (sudo $0)" >&2; exit 1; }
"$SRC/scripts/check-node.sh"

echo "== system user and groups"
getent group ambulink >/dev/null || groupadd --system ambulink
if ! id ambulink >/dev/null 2>&1; then
  useradd --system --gid ambulink --home-dir /var/lib/ambulink --no-create-home --shell /usr/sbin/nologin ambulink
fi
# Serial ports belong to dialout, cameras to video.
usermod -a -G dialout ambulink
getent group video >/dev/null && usermod -a -G video ambulink

echo "== package in $PREFIX"
if [ ! -f "$SRC/dist/src/cli/main.js" ]; then
  (cd "$SRC" && npm ci && npm run build)
fi
install -d -m 0755 "$PREFIX"
rm -rf "$PREFIX/dist"
cp -r "$SRC/dist" "$SRC/config" "$SRC/systemd" "$SRC/fixtures" "$SRC/package.json" "$SRC/package-lock.json" "$SRC/README.md" "$PREFIX/"
(cd "$PREFIX" && npm ci --omit=dev --no-audit --no-fund)
chmod 0755 "$PREFIX/dist/src/cli/main.js"
ln -sf "$PREFIX/dist/src/cli/main.js" /usr/local/bin/ambulink

echo "== configuration in /etc/ambulink"
install -d -m 0750 -o root -g ambulink /etc/ambulink /etc/ambulink/secrets
[ -f /etc/ambulink/vehicle.yaml ] || install -m 0640 -o root -g ambulink "$SRC/config/example-vehicle.yaml" /etc/ambulink/vehicle.yaml
install -m 0644 "$SRC/config/vehicle.schema.json" /etc/ambulink/vehicle.schema.json

echo "== systemd unit and udev rules"
install -m 0644 "$SRC/systemd/ambulink.service" /etc/systemd/system/ambulink.service
version=$(systemctl --version 2>/dev/null | awk 'NR==1 {print $2}')
if [ "${version:-0}" -ge 254 ]; then
  install -d /etc/systemd/system/ambulink.service.d
  install -m 0644 "$SRC/systemd/ambulink.service.d/backoff.conf" /etc/systemd/system/ambulink.service.d/backoff.conf
fi
install -m 0644 "$SRC/systemd/99-ambulink.rules" /etc/udev/rules.d/99-ambulink.rules
command -v udevadm >/dev/null && udevadm control --reload && udevadm trigger --subsystem-match=tty || true
command -v systemctl >/dev/null && systemctl daemon-reload || true

cat <<MSG

ambulink is installed. Next:
  1. edit /etc/ambulink/vehicle.yaml (every option is commented) and put the local-broker passwords in
     /etc/ambulink/secrets/ (mode 0640, group ambulink)
  2. ambulink config validate /etc/ambulink/vehicle.yaml
  3. systemctl enable --now ambulink && ambulink status
MSG
