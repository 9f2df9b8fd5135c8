#!/usr/bin/env bash
# Set up (idempotent) and fill the bundled real Landsat 7 SLC-off sample with the default method.
# Writes out/demo/menindee_filled.tif, its filled-pixel mask and a before/after PNG.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out/demo
.venv/bin/python -m engine info resources/samples/menindee_20100116.tif --quiet
.venv/bin/python -m engine fill resources/samples/menindee_20100116.tif out/demo/menindee_filled.tif \
  --filled-mask --preview out/demo/menindee_before_after.png "$@"
echo "before/after image: out/demo/menindee_before_after.png"
