#!/usr/bin/env bash
# Run qgis_process (headless Processing) with this plugin installed and enabled in a scratch
# profile under out/qgis-process, e.g.
#   scripts/qgis_process.sh run landsatgapfill:fillscanlines -- \
#     INPUT=resources/samples/menindee_20100116.tif METHOD=idw OUTPUT=out/filled.tif
# Debian's /usr/bin/qgis_process wrapper passes a flag 3.22 does not know: call the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
source scripts/qgis_profile.sh
scratch="${QGIS_PROCESS_SCRATCH:-$PWD/out/qgis-process}"
qgis_prepare_profile "$scratch"
qgis_export_env "$scratch"
export QGIS_CUSTOM_CONFIG_PATH="$scratch" QT_QPA_PLATFORM=offscreen
unset QGIS_OPTIONS_PATH
exec "$(command -v qgis_process.bin || command -v qgis_process)" "$@"
