#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine (run as root, or with sudo available):
# Debian packages for QGIS/GDAL/rasterio, then a virtual environment at .venv made from the
# SYSTEM python3 (the only interpreter that sees Debian's qgis), then pinned pip packages.
# A second run only checks stamps and returns in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PKGS="python3-qgis qgis qgis-providers python3-gdal gdal-bin python3-rasterio python3-scipy python3-matplotlib python3-pil python3-venv python3-pip xvfb xauth make"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=""
for p in $DEB_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv from /usr/bin/python3" >&2
  /usr/bin/python3 -m venv --system-site-packages .venv
fi

# Processing's Python plugins live outside site-packages.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "/usr/share/qgis/python/plugins" > "$site/qgis_processing_plugins.pth"

stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-test.txt constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing pinned Python packages into .venv" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check \
    -c constraints.txt -r requirements.txt -r requirements-test.txt
  echo "$want" > "$stamp"
fi
