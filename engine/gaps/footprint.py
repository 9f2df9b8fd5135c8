"""Gaps are nodata INSIDE the scene footprint; fill outside the footprint (scene edges, the
rotated frame of a Landsat scene) must stay nodata.

SLC-off stripes are nearly horizontal (8-13 degrees), so walking down a column every gap is a
short run of nodata with valid pixels above and below it, while edge fill runs to the raster
border and a large masked cloud is longer than any gap. Closing the valid mask along columns
over one SLC-off period (31-40 px) separates the two; it is local, so a tile with a halo of that
length gets exactly the answer the whole scene would.

A crop of a scene cuts stripes at its top and bottom rows. A run that touches the raster's own
top or bottom border and is no longer than the widest possible gap is a cut stripe, not scene
edge, provided that border row is mostly valid (stripes cover at most ~45 % of a row; a strip
of edge fill along the border covers nearly all of it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rasterio.windows import Window

SLC_PERIOD_M = 970.0
MIN_BRIDGE_PX = 31
WIDEST_GAP_FRACTION = 0.55  # widest gap down a column (14.5 px at 30 m) / period (32.35 px)
MAX_CUT_ROW_FRACTION = 0.6  # a border row more invalid than this is edge fill, not cut stripes


def bridge_length_px(pixel_size_m: float) -> int:
    """Longest nodata run (down a column) that still counts as a gap: one SLC-off period."""
    return max(MIN_BRIDGE_PX, int(np.ceil(SLC_PERIOD_M / pixel_size_m)) + 1)


def border_run_px(pixel_size_m: float) -> int:
    """Longest run touching the raster border that is still a cut stripe."""
    return int(np.ceil(WIDEST_GAP_FRACTION * SLC_PERIOD_M / pixel_size_m))


def gaps_in_footprint(invalid: np.ndarray, max_run_px: int, *, open_top: bool = False,
                      open_bottom: bool = False, border_run: int = 0) -> np.ndarray:
    """True where `invalid` lies in a column run of at most `max_run_px` pixels with valid
    pixels above and below. Works on (h, w) or (bands, h, w).

    open_top / open_bottom say that the array's first / last row is the raster's border (not
    a tile edge inside the scene): runs touching it count when at most `border_run` long and
    valid below / above. Runs touching an inner tile edge never count; the caller's halo (at
    least `max_run_px`) makes that safe for every pixel of the tile's core.
    """
    h = invalid.shape[-2]
    rows = np.arange(h).reshape((h, 1))
    # Index of the last valid row at or above each pixel (-1 if none), and first at or below.
    above = np.maximum.accumulate(np.where(~invalid, rows, -1), axis=-2)
    below = np.where(~invalid, rows, h)
    below = np.flip(np.minimum.accumulate(np.flip(below, axis=-2), axis=-2), axis=-2)
    bounded = (above >= 0) & (below < h) & (below - above - 1 <= max_run_px)
    if open_top:
        bounded |= (above < 0) & (below < h) & (below <= border_run)
    if open_bottom:
        bounded |= (below >= h) & (above >= 0) & (h - 1 - above <= border_run)
    return invalid & bounded


def gap_halo_px(profile) -> int:
    """Halo a tile needs so that its core's gaps are decided exactly as on the whole scene."""
    return bridge_length_px(profile.pixel_size_m) + 1


@dataclass(frozen=True)
class Borders:
    """Whether stripes are cut by the raster's top / bottom row (decided once per scene)."""

    open_top: bool = False
    open_bottom: bool = False


def scene_borders(scene) -> Borders:
    p = scene.profile

    def cut(row: int) -> bool:
        win = Window(0, row, p.width, 1)
        invalid = scene.invalid(win, scene.read(win)).any(axis=0)
        return bool(invalid.mean() <= MAX_CUT_ROW_FRACTION)

    return Borders(cut(0), cut(p.height - 1))


def tile_gaps(invalid: np.ndarray, window, profile, borders: Borders) -> np.ndarray:
    """Gaps of a tile read for `window` (core plus halo) of a scene with `profile`."""
    return gaps_in_footprint(
        invalid, bridge_length_px(profile.pixel_size_m),
        open_top=borders.open_top and window.row_off == 0,
        open_bottom=borders.open_bottom and window.row_off + window.height >= profile.height,
        border_run=border_run_px(profile.pixel_size_m))
