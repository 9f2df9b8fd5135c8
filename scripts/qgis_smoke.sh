#!/usr/bin/env bash
# Desktop smoke test: start Xvfb (own display, stopped by PID), run the real QGIS with the
# plugin enabled in a scratch profile and tests/plugin/smoke_startup.py as --code, which fills
# the Menindee sample through the "Fill scanlines" dialog and saves a screenshot of the main
# window. Exit 0 only when the startup script reports success.
#   SMOKE_SCREENSHOT  PNG to write (default docs/screenshots/fill_scanlines.png)
#   SMOKE_DIALOG_SCREENSHOT  PNG of the dialog before Run (default docs/screenshots/fill_dialog.png)
#   SMOKE_SCRATCH     scratch folder (default out/qgis-smoke; emptied first)
#   SMOKE_TIMEOUT     seconds before QGIS is killed (default 240)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
command -v Xvfb >/dev/null || { echo "qgis_smoke: Xvfb is not installed (apt-get install xvfb)" >&2; exit 2; }
source scripts/qgis_profile.sh

scratch="${SMOKE_SCRATCH:-$PWD/out/qgis-smoke}"
rm -rf "$scratch"
mkdir -p "$scratch/out"
qgis_prepare_profile "$scratch/profiles"
qgis_export_env "$scratch"
export SMOKE_SCREENSHOT="${SMOKE_SCREENSHOT:-$PWD/docs/screenshots/fill_scanlines.png}"
export SMOKE_DIALOG_SCREENSHOT="${SMOKE_DIALOG_SCREENSHOT:-$(dirname "$SMOKE_SCREENSHOT")/fill_dialog.png}"
export SMOKE_STATUS="$scratch/status.json" SMOKE_OUT="$scratch/out"
# a copy: QGIS writes statistics (.aux.xml) beside the rasters it shows
cp resources/samples/menindee_20100116.tif "$scratch/out/"
export SMOKE_SAMPLE="$scratch/out/menindee_20100116.tif"
# Settings of a calling test session (pytest-qgis) must not redirect QGIS's profile.
unset QGIS_CUSTOM_CONFIG_PATH QGIS_OPTIONS_PATH

display=99
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1400x900x24 -nolisten tcp >"$scratch/xvfb.log" 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
export DISPLAY=":$display" QT_QPA_PLATFORM=xcb

status=0
timeout --kill-after=15 "${SMOKE_TIMEOUT:-240}" qgis --nologo --noversioncheck \
  --profiles-path "$scratch/profiles" --code "$PWD/tests/plugin/smoke_startup.py" \
  >"$scratch/qgis.log" 2>&1 || status=$?

if .venv/bin/python - "$SMOKE_STATUS" <<'PY'
import json, sys
try:
    result = json.load(open(sys.argv[1]))
except OSError:
    sys.exit("qgis_smoke: QGIS ended without a status (crash or timeout)")
print(json.dumps(result, indent=2))
sys.exit(0 if result.get("ok") else 1)
PY
then
  echo "qgis_smoke: ok (qgis exit $status); screenshot $SMOKE_SCREENSHOT"
else
  echo "qgis_smoke: FAILED (qgis exit $status); last QGIS output:" >&2
  tail -n 40 "$scratch/qgis.log" >&2
  exit 1
fi
