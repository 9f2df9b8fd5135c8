"""Gaps are nodata INSIDE the scene footprint; fill outside the footprint (scene edges, the
rotated frame of a Landsat scene) must stay nodata.

SLC-off stripes are nearly horizontal (8-13 degrees), so walking down a column every gap is a
short run of nodata with valid pixels above and below it, while edge fill runs to the raster
border and a large masked cloud is longer than any gap. Closing the valid mask along columns
over one SLC-off period (31-40 px) separates the two; it is local, so a tile with a halo of that
length gets exactly the answer the whole scene would. Stripes cut by the left or right border
need nothing more: down a column they are still bounded above and below.

A crop of a scene cuts stripes at its top and bottom rows. Along such a border row the nodata
pixels form segments; a segment is a cut stripe when no column of it is nodata for a whole
period down from the border, and the segment is no longer than a stripe of the widest gap
crosses a row at the stripe tilt; in such a segment a run from the border counts as a gap when
it is no longer than the widest gap. Edge fill fails one of the two: it is deep somewhere along
the segment (the corner triangles of a rotated footprint), or it runs along the border much
flatter than the stripes (a strip of fill rows). When a Landsat product's MTL gives the product frame, a border
row lying on that frame is the scene's own edge, and nothing touching it is a gap.

A whole scene's footprint has slanted sides with the product's frame beyond them; stripes cut
by those sides are found from every row's first and last valid pixel (engine/gaps/side_cuts.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
from rasterio.windows import Window

from engine.gaps.side_cuts import SideCuts, row_extents, side_cuts
from engine.gaps.simulate import SlcOffGeometry
from engine.tiling import SCAN_TILE_PX, iter_tiles

SLC_PERIOD_M = 970.0
MIN_BRIDGE_PX = 31
WIDEST_GAP_FRACTION = 0.55  # widest gap down a column (14.5 px at 30 m) / period (32.35 px)
# A cut stripe crosses a border row over at most (widest gap / tan(tilt)) px; this much more
# allows for the tilt being known only from the grid's latitude and rotation.
CUT_LENGTH_SLACK = 1.5


def bridge_length_px(pixel_size_m: float) -> int:
    """Longest nodata run (down a column) that still counts as a gap: one SLC-off period."""
    return max(MIN_BRIDGE_PX, int(np.ceil(SLC_PERIOD_M / pixel_size_m)) + 1)


def border_run_px(pixel_size_m: float) -> int:
    """Longest run touching the raster border that is still a cut stripe."""
    return int(np.ceil(WIDEST_GAP_FRACTION * SLC_PERIOD_M / pixel_size_m))


def gaps_in_footprint(invalid: np.ndarray, max_run_px: int, *, open_top=False,
                      open_bottom=False, border_run: int = 0) -> np.ndarray:
    """True where `invalid` lies in a column run of at most `max_run_px` pixels with valid
    pixels above and below. Works on (h, w) or (bands, h, w).

    open_top / open_bottom say that the array's first / last row is the raster's border (not
    a tile edge inside the scene), for every column (True) or per column (a (w,) array): runs
    touching it there count when at most `border_run` long and valid below / above. Runs
    touching an inner tile edge never count; the caller's halo (at least `max_run_px`) makes
    that safe for every pixel of the tile's core.
    """
    h = invalid.shape[-2]
    rows = np.arange(h).reshape((h, 1))
    # Index of the last valid row at or above each pixel (-1 if none), and first at or below.
    above = np.maximum.accumulate(np.where(~invalid, rows, -1), axis=-2)
    below = np.where(~invalid, rows, h)
    below = np.flip(np.minimum.accumulate(np.flip(below, axis=-2), axis=-2), axis=-2)
    bounded = (above >= 0) & (below < h) & (below - above - 1 <= max_run_px)
    if np.any(open_top):
        bounded |= (above < 0) & (below < h) & (below <= border_run) & open_top
    if np.any(open_bottom):
        bounded |= (below >= h) & (above >= 0) & (h - 1 - above <= border_run) & open_bottom
    return invalid & bounded


def gap_share(gap_band_pixels: int, pixels: int, bands: int) -> float:
    """Share of the scene's band-pixels that are gaps: what `fill` fills and `info` reports.
    Counted per band because ETM+ bands see slightly different gaps (their detectors are
    offset), so a union over bands would promise more than gets filled."""
    return gap_band_pixels / max(1, pixels * bands)


def gap_halo_px(profile) -> int:
    """Halo a tile needs so that its core's gaps are decided exactly as on the whole scene."""
    return bridge_length_px(profile.pixel_size_m) + 1


@dataclass(frozen=True)
class Borders:
    """Per column of the scene, whether nodata on the raster's top / bottom row is a cut stripe
    (None: no column is), and the stripes cut by the footprint's slanted sides (None: none).
    Decided once per scene, so every tile decides alike."""

    top: Optional[np.ndarray] = None
    bottom: Optional[np.ndarray] = None
    sides: Optional[SideCuts] = None


def cut_stripe_columns(invalid_rows: np.ndarray, max_run_px: int,
                       max_length: float) -> np.ndarray:
    """Columns whose nodata on the border row (row 0 of `invalid_rows`, the rows nearest the
    border first, at least `max_run_px` of them where the raster has them) belongs to a
    stripe cut by that border.

    A segment of nodata along the border row is edge fill when a column of it stays nodata
    for a whole SLC-off period (no stripe, even merged with a speck of cloud, is that deep),
    or when it is longer than a cut stripe can be; how deep each column of a cut stripe may
    go is the caller's per-column rule.
    """
    width = invalid_rows.shape[1]
    on_border = invalid_rows[0]
    deep = invalid_rows[:max_run_px].all(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], on_border.astype(np.int8), [0]))))
    cut = np.zeros(width, dtype=bool)
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start <= max_length and not deep[start:stop].any():
            cut[start:stop] = True
    return cut


def _on_product_frame(profile, top: bool) -> bool:
    """Whether the raster's top (or bottom) edge lies on the frame of the Landsat product its
    MTL describes: then that border is the scene's own edge, not a cut."""
    if profile.product_bounds is None:
        return False
    t = profile.transform
    edge_y = t.f if top else t.f + t.e * profile.height
    frame_y = profile.product_bounds[3] if top else profile.product_bounds[1]
    return abs(edge_y - frame_y) <= abs(t.e) / 2


def _max_cut_length(profile, border_run: int) -> float:
    geometry = SlcOffGeometry(pixel_size_m=profile.pixel_size_m,
                              latitude_deg=profile.center_latitude_deg,
                              grid_rotation_deg=profile.grid_rotation_deg)
    tilt = max(abs(math.radians(geometry.tilt_deg)), math.radians(4.0))
    return CUT_LENGTH_SLACK * border_run / math.tan(tilt)


def scene_borders(scene) -> Borders:
    """Decide once per scene, from its top and bottom rows, which border columns hold stripes cut by
    a crop; every tile then uses the same answer, so tiled and whole-scene gap detection agree."""
    p = scene.profile
    depth = min(p.height, bridge_length_px(p.pixel_size_m))
    max_length = _max_cut_length(p, border_run_px(p.pixel_size_m))

    def cut(top: bool) -> Optional[np.ndarray]:
        if _on_product_frame(p, top):
            return None
        win = Window(0, 0 if top else p.height - depth, p.width, depth)
        invalid = scene.invalid(win, scene.read(win)).any(axis=0)
        columns = cut_stripe_columns(invalid if top else invalid[::-1], depth, max_length)
        return columns if columns.any() else None

    return Borders(cut(True), cut(False), _side_cuts(scene, max_length))


def _side_cuts(scene, max_length: float) -> Optional[SideCuts]:
    """Every row's first and last valid pixel (valid in any band), read tile by tile, and the
    stripe ends they show along the footprint's sides."""
    p = scene.profile
    first = np.full(p.height, -1, np.int64)
    last = np.full(p.height, -1, np.int64)
    for tile in iter_tiles(p.height, p.width, SCAN_TILE_PX, 0):
        win = tile.core
        valid = ~scene.invalid(win, scene.read(win)).all(axis=0)
        rows = slice(win.row_off, win.row_off + win.height)
        row_extents(first[rows], last[rows], valid, win.col_off)
    return side_cuts(first, last, p.width, border_run_px(p.pixel_size_m), max_length,
                     bridge_length_px(p.pixel_size_m))


def tile_gaps(invalid: np.ndarray, window, profile, borders: Borders) -> np.ndarray:
    """Gaps of a tile read for `window` (core plus halo) of a scene with `profile`."""
    cols = slice(window.col_off, window.col_off + window.width)
    top = borders.top is not None and window.row_off == 0
    bottom = borders.bottom is not None and window.row_off + window.height >= profile.height
    gaps = gaps_in_footprint(
        invalid, bridge_length_px(profile.pixel_size_m),
        open_top=borders.top[cols] if top else False,
        open_bottom=borders.bottom[cols] if bottom else False,
        border_run=border_run_px(profile.pixel_size_m))
    if borders.sides is not None:
        ends = borders.sides.mask(int(window.row_off), int(window.col_off),
                                  int(window.height), int(window.width))
        gaps |= invalid & ends
    return gaps
