"""Gaps are nodata INSIDE the scene footprint; fill outside the footprint (scene edges, the
rotated frame of a Landsat scene) must stay nodata.

SLC-off stripes are nearly horizontal (8-13 degrees), so walking down a column every gap is a
short run of nodata with valid pixels above and below it, while edge fill runs to the raster
border and a large masked cloud is longer than any gap. Closing the valid mask along columns
over at least one SLC-off period (31-40 px) separates the two; it is local, so a tile with a halo
of that length gets exactly the answer the whole scene would.
"""
from __future__ import annotations

import numpy as np

SLC_PERIOD_M = 970.0
MIN_BRIDGE_PX = 31


def bridge_length_px(pixel_size_m: float) -> int:
    """Longest nodata run (down a column) that still counts as a gap: one SLC-off period."""
    return max(MIN_BRIDGE_PX, int(np.ceil(SLC_PERIOD_M / pixel_size_m)) + 1)


def gaps_in_footprint(invalid: np.ndarray, max_run_px: int) -> np.ndarray:
    """True where `invalid` lies in a column run of at most `max_run_px` pixels that has valid
    pixels both above and below. Works on (h, w) or (bands, h, w); runs touching the array's
    top or bottom are never gaps (the caller's halo makes that safe inside a scene)."""
    h = invalid.shape[-2]
    rows = np.arange(h).reshape((h, 1))
    # Index of the last valid row at or above each pixel (-1 if none), and first at or below.
    above = np.where(~invalid, rows, -1)
    above = np.maximum.accumulate(above, axis=-2)
    below = np.where(~invalid, rows, h)
    below = np.flip(np.minimum.accumulate(np.flip(below, axis=-2), axis=-2), axis=-2)
    run = below - above - 1
    return invalid & (above >= 0) & (below < h) & (run <= max_run_px)
