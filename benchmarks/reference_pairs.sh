#!/usr/bin/env bash
# Gap RMSE of the single-image and reference-date fills on real pairs (docs/reference_fill.md):
# seeded SLC-off gaps burned into a clean (or real-gapped) target, filled through the tiled
# runner with and without its other dates. Needs ../shared/data for the Flathead case.
set -euo pipefail
cd "$(dirname "$0")/.."
METHODS=${METHODS:-idw,convcnp,nspi,llhm}
PY=.venv/bin/python
L=tests/data/lethbridge_2000_384
W=tests/data/menindee_water
F=../shared/data/flathead_3dates
echo "## Lethbridge LE07 2000-08-21 from LT05 2000-07-12 (40 days, cross sensor)"
$PY -m engine evaluate $L/LE07 --reference $L/LT05 --methods "$METHODS" --progress none
echo "## Menindee LE07 2010-01-16 from 2010-02-01 (16 d) and 2010-05-08 (112 d), lakes filled"
$PY -m engine evaluate $W/menindee_20100116.tif --reference $W/menindee_20100201.tif \
    --reference $W/menindee_20100508.tif --methods "$METHODS" --progress none
if [ -d "$F" ]; then
  echo "## Flathead LE07 2007-05-05 from LC08 2015-06-04 and LT05 1997-06-02 (8-10 years)"
  $PY -m engine evaluate $F/LE07_2007 --reference $F/LC08_2015 --reference $F/LT05_1997 \
      --methods "$METHODS" --progress none
fi
