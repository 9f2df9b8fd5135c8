"""Regenerate tests/data/menindee_20100116_gapmask.tif from the Geoscience Australia ARG25 sample.

The source band's nodata (-999) mixes three things: SLC-off gaps, a large cloud-mask blob and a
scene-edge corner. Only the gaps are wanted as ground truth for the simulator, so a nodata pixel is
kept when its down-column nodata run is short (a gap is at most ~17 px tall at 25 m) and has valid
pixels directly above and below it; the blob and the corner fail one of the two tests.

Usage: python tests/data/make_menindee_gapmask.py PATH/TO/LS7_ETM_095_082_20100116_B30.nc [OUT]
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import rasterio

MAX_RUN_PX = 40
DEFAULT_OUT = Path(__file__).with_name("menindee_20100116_gapmask.tif")


def short_bounded_runs(nodata: np.ndarray, max_run: int = MAX_RUN_PX) -> np.ndarray:
    """True on down-column nodata runs of length <= max_run with valid pixels above and below."""
    h, w = nodata.shape
    out = np.zeros_like(nodata)
    pad = np.zeros((h + 2, w), dtype=np.int8)
    pad[1:-1] = nodata
    edges = np.diff(pad, axis=0)  # +1 at run start row, -1 one past run end row
    for col in range(w):
        starts = np.flatnonzero(edges[:, col] == 1)
        ends = np.flatnonzero(edges[:, col] == -1)
        for s, e in zip(starts, ends):
            if s > 0 and e < h and e - s <= max_run:
                out[s:e, col] = True
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write(__doc__ or "")
        return 2
    src_path = Path(argv[1])
    out_path = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    with rasterio.open(src_path) as src:
        band = src.read(1)
        nodata = band == (src.nodata if src.nodata is not None else -999)
        profile = dict(driver="GTiff", width=src.width, height=src.height, count=1,
                       dtype="uint8", crs=src.crs, transform=src.transform,
                       compress="deflate", nbits=1, tiled=True, blockxsize=512,
                       blockysize=512)
    gaps = short_bounded_runs(nodata)
    with rasterio.open(out_path, "w", **profile) as dst:
        dst.write(gaps.astype(np.uint8), 1)
        dst.update_tags(SOURCE=src_path.name,
                        CREDIT="Geoscience Australia ARG25 sample, CC BY 3.0 AU, "
                               "(c) Commonwealth of Australia 2012",
                        RULE=f"nodata down-column runs <= {MAX_RUN_PX} px bounded by valid")
    sys.stdout.write(f"{out_path}: {gaps.mean():.4f} gap, {out_path.stat().st_size} bytes\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
