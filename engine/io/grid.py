"""Putting rasters of the same place on one grid: the water job's dates, the reference dates of
a fill, and the training stacks all ask the same questions here (same grid? overlapping at
all?) and align the same way, so a date that lines up in one job lines up in every other."""
from __future__ import annotations

from typing import Optional

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window

from engine.errors import InputError
from engine.io.scene import SceneProfile


def same_grid(a: SceneProfile, b: SceneProfile) -> bool:
    """Same size, CRS and geotransform (to GDAL's float tolerance): no resampling needed."""
    return ((a.width, a.height) == (b.width, b.height) and a.crs == b.crs
            and a.transform.almost_equals(b.transform))


def grid_bounds(p: SceneProfile) -> tuple:
    """(left, bottom, right, top) of a grid, rotated geotransforms included."""
    xs, ys = zip(*[p.transform * (c, r) for c in (0, p.width) for r in (0, p.height)])
    return min(xs), min(ys), max(xs), max(ys)


def check_overlap(ref: SceneProfile, other: SceneProfile, label: str,
                  ref_label: str = "the first date") -> None:
    """InputError unless `other` can be placed on `ref`'s grid and covers part of it."""
    if same_grid(ref, other):
        return
    if ref.crs is None or other.crs is None:
        raise InputError(f"{label} is not on {ref_label}'s grid and has no coordinate "
                         "reference system to align it with; give georeferenced rasters")
    try:
        left, bottom, right, top = transform_bounds(other.crs, ref.crs, *grid_bounds(other),
                                                    densify_pts=21)
    except Exception:
        raise InputError(f"{label}: cannot transform its extent to {ref_label}'s CRS") from None
    rl, rb, rr, rt = grid_bounds(ref)
    if min(right, rr) <= max(left, rl) or min(top, rt) <= max(bottom, rb):
        raise InputError(f"{label} does not overlap {ref_label} (no common ground); "
                         "give dates of the same place")


def align_array(data: np.ndarray, src: SceneProfile, ref: SceneProfile, nodata) -> np.ndarray:
    """`data` (bands, h, w) on `src`'s grid resampled onto `ref`'s (nearest neighbour: gaps and
    clouds stay crisp and no value is invented). In memory: for training crops only."""
    out = np.full((data.shape[0], ref.height, ref.width), nodata, data.dtype)
    reproject(data, out, src_transform=src.transform, src_crs=src.crs,
              dst_transform=ref.transform, dst_crs=ref.crs, src_nodata=nodata,
              dst_nodata=nodata, resampling=Resampling.nearest)
    return out


class AlignedRaster:
    """A raster file read window by window on another grid through GDAL's warper (a WarpedVRT):
    no aligned copy is ever written or held whole in memory. On the same grid it reads the file
    directly."""

    def __init__(self, path: str, ref: SceneProfile, nodata: Optional[float],
                 resampling: Resampling = Resampling.nearest):
        self._ds = rasterio.open(path)
        self._src = self._ds
        if not _on_grid(self._ds, ref):
            self._src = WarpedVRT(self._ds, crs=ref.crs, transform=ref.transform,
                                  width=ref.width, height=ref.height, nodata=nodata,
                                  src_nodata=nodata, resampling=resampling,
                                  init_dest_nodata=True)

    def read(self, window: Window) -> np.ndarray:
        """All bands of `window` on the reference grid, warped on demand."""
        return self._src.read(window=window)

    def close(self) -> None:
        """Close the warper and the file."""
        if self._src is not self._ds:
            self._src.close()
        self._ds.close()


def _on_grid(ds, ref: SceneProfile) -> bool:
    return ((ds.width, ds.height) == (ref.width, ref.height) and ds.crs == ref.crs
            and ds.transform.almost_equals(ref.transform))
