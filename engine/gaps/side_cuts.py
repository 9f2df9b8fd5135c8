"""Stripes cut by the slanted sides of a whole scene's footprint.

An SLC-off stripe runs across the swath to its edge, where it is widest. On a whole Landsat
product the swath edges are the footprint's two steep sides, with the product's frame of fill
beyond them; down a column a stripe's last pixels before the side run straight into that frame,
so the column rule (`footprint.gaps_in_footprint`: a gap is bounded above and below) takes
them for frame and every stripe would keep a notch of nodata where it meets the side.

A Landsat footprint is convex, so row by row its left side (the column where the scene starts)
is a convex function of the row and its right side a concave one. A stripe reaching a side
pushes the row's first (last) valid pixel inward for the few rows it covers; the sides are then
the convex envelope of the rows' first valid pixels (the concave one of their last), and the
invalid pixels between the envelope and a row's first (last) valid pixel are a stripe's end.
They are taken as gaps only where they look like one:
- in runs of at most as many rows as the widest gap spans (a cloud masked as nodata on the
  scene's edge is taller and stays nodata), reaching no further along the row than a stripe
  crosses it at its tilt;
- along steep sides only (a swath edge, not the shallow scan-direction edges, whose staircase
  of first valid pixels the envelope cuts through);
- where the side lies at least one SLC-off period inside the raster: a product's frame is that
  deep, while a strip of edge fill or a cloud along a crop's border is not a frame (Menindee's
  left border holds an 8 px strip of nodata beside clouds: without this, cloud was filled);
- never outside the envelope, so the frame itself is never filled.
Decided once per scene from every row, so every tile decides alike; on a crop without a frame
nothing changes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Consecutive rows one stripe's end may span, as a multiple of the widest gap down a column.
ROWS_SLACK = 1.5
# Sides steeper than this (columns per row) only: the swath edges run 12-13 deg from the
# columns (0.22 px per row). Along a shallow edge (the scan direction, 4-5 px per row) the
# rows' first valid pixels step by several columns, the envelope of that staircase passes
# up to a step inside it, and what lies between is the frame, not a stripe.
MAX_SIDE_SLOPE = 1.0


@dataclass(frozen=True)
class SideCuts:
    """Per row of the scene, the columns [lo, hi) of a stripe's end at the left side and at
    the right side; lo == hi where there is none."""

    left_lo: np.ndarray
    left_hi: np.ndarray
    right_lo: np.ndarray
    right_hi: np.ndarray

    def mask(self, row_off: int, col_off: int, height: int, width: int) -> np.ndarray:
        """The stripe ends inside a window, (height, width) bool."""
        rows = slice(row_off, row_off + height)
        cols = np.arange(col_off, col_off + width)[None, :]
        out = (cols >= self.left_lo[rows, None]) & (cols < self.left_hi[rows, None])
        out |= (cols >= self.right_lo[rows, None]) & (cols < self.right_hi[rows, None])
        return out


def row_extents(first: np.ndarray, last: np.ndarray, valid: np.ndarray, col_off: int) -> None:
    """Fold one tile's valid pixels (h, w) into the per-row first / last valid columns of the
    scene (`first`, `last`: views of the tile's rows, updated in place; -1 where none yet)."""
    any_valid = valid.any(axis=1)
    lo = valid.argmax(axis=1) + col_off
    hi = valid.shape[1] - 1 - valid[:, ::-1].argmax(axis=1) + col_off
    earlier = (first >= 0) & (first < lo)
    first[any_valid & ~earlier] = lo[any_valid & ~earlier]
    last[any_valid] = np.maximum(last[any_valid], hi[any_valid])


def side_cuts(first: np.ndarray, last: np.ndarray, width: int, max_rows: float,
              max_depth: float, min_frame: int) -> SideCuts | None:
    """The stripe ends along both sides from the scene's per-row first / last valid columns
    (-1 for rows without one), or None when there are none. `max_rows`: the widest gap down a
    column; `max_depth`: how far along a row a cut stripe may reach; `min_frame`: how far from
    the raster's border the side must lie (a product's frame is deep; a crop's strip of edge
    fill or a cloud on its border is not a frame, and its sides are left to the column rule)."""
    rows = np.flatnonzero(first >= 0)
    if rows.size < 3:
        return None
    left = _envelope(rows, first[rows].astype(np.float64), lower=True)
    right = _envelope(rows, last[rows].astype(np.float64), lower=False)
    left_lo, left_hi, right_lo, right_hi = np.zeros((4, first.size), np.int64)
    limit_rows = ROWS_SLACK * max_rows
    # left: pixels from the envelope (rounded inward) up to the row's first valid pixel
    lo = np.ceil(left - 1e-6).astype(np.int64)
    take = _stripe_like(rows, first[rows] - lo, limit_rows, max_depth) & (lo >= min_frame)
    take &= _steep(rows, left)
    left_lo[rows[take]], left_hi[rows[take]] = lo[take], first[rows[take]]
    hi = np.floor(right + 1e-6).astype(np.int64)
    take = _stripe_like(rows, hi - last[rows], limit_rows, max_depth) & (
        hi <= width - 1 - min_frame) & _steep(rows, right)
    right_lo[rows[take]], right_hi[rows[take]] = last[rows[take]] + 1, hi[take] + 1
    if not (left_hi > left_lo).any() and not (right_hi > right_lo).any():
        return None
    return SideCuts(left_lo, left_hi, right_lo, right_hi)


def _steep(rows: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Where the envelope is steep enough to be a swath edge (both neighbouring segments)."""
    step = np.abs(np.diff(side)) / np.maximum(np.diff(rows), 1)
    ok = step <= MAX_SIDE_SLOPE
    return np.concatenate(([ok[0]], ok[1:] & ok[:-1], [ok[-1]])) if ok.size else ok


def _stripe_like(rows: np.ndarray, depth: np.ndarray, max_rows: float,
                 max_depth: float) -> np.ndarray:
    """Rows (of `rows`) in runs of consecutive rows with depth > 0 that are short enough and
    shallow enough to be one stripe's end."""
    cut = depth > 0
    take = np.zeros(rows.size, bool)
    i = 0
    while i < rows.size:
        if not cut[i]:
            i += 1
            continue
        j = i
        while j + 1 < rows.size and cut[j + 1] and rows[j + 1] == rows[j] + 1:
            j += 1
        if j - i + 1 <= max_rows and depth[i:j + 1].max() <= max_depth:
            take[i:j + 1] = True
        i = j + 1
    return take


def _envelope(x: np.ndarray, y: np.ndarray, lower: bool) -> np.ndarray:
    """The lower convex (or upper concave) hull of the points (x, y), x increasing, evaluated
    at every x (Andrew's monotone chain)."""
    sign = 1.0 if lower else -1.0
    hull = []
    for i in range(x.size):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (x[b] - x[a]) * (y[i] - y[a]) - (y[b] - y[a]) * (x[i] - x[a])
            if sign * cross <= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    return np.interp(x, x[hull], y[hull])
