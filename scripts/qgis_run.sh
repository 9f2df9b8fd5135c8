#!/usr/bin/env bash
# Launch the real QGIS desktop with this plugin installed (symlink) and enabled in a scratch
# profile under out/qgis-profile, with the venv's packages importable. Extra arguments go to
# qgis (e.g. a raster to open: scripts/qgis_run.sh resources/samples/menindee_20100116.tif).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
source scripts/qgis_profile.sh
scratch="$PWD/out/qgis-profile"
qgis_prepare_profile "$scratch"
qgis_export_env "$scratch"
echo "qgis_run: profile $scratch/profiles/default, plugin -> $PWD" >&2
exec qgis --nologo --noversioncheck --profiles-path "$scratch" "$@"
