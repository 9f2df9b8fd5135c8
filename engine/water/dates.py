"""One date of the water job: its red/NIR/SWIR1 bands, its reflectance factors, its gaps filled
through the engine's tiled runner into a temporary GeoTIFF, and that raster aligned to the first
date's grid (rasterio.warp, nearest neighbour) when the grids differ. Inputs are only read."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import numpy as np
import rasterio
from rasterio.warp import Resampling, reproject, transform_bounds
from rasterio.windows import Window

from engine.errors import InputError
from engine.gaps.validity import invalid_mask
from engine.io.scene import Scene, SceneProfile
from engine.water.radiometry import Calibration

NO_FILL = "none"


class BandSubset(Scene):
    """The red, NIR and SWIR1 bands of a scene (reads delegate to the scene)."""

    def __init__(self, scene: Scene, indices: tuple):
        self.scene, self.indices = scene, list(indices)
        names = tuple(scene.profile.band_names[i] for i in indices) if scene.profile.band_names \
            else ()
        self.profile = scene.profile.with_changes(count=len(indices), band_names=names)

    def read(self, window: Window) -> np.ndarray:
        return self.scene.read(window)[self.indices]

    def read_qa_fill(self, window: Window):
        return self.scene.read_qa_fill(window)

    def _read_strided(self, step: int) -> np.ndarray:
        return self.scene._read_strided(step)[self.indices]


def same_grid(a: SceneProfile, b: SceneProfile) -> bool:
    return ((a.width, a.height) == (b.width, b.height) and a.crs == b.crs
            and a.transform.almost_equals(b.transform))


def check_overlap(ref: SceneProfile, other: SceneProfile, label: str) -> None:
    """InputError unless `other` can be placed on `ref`'s grid and covers part of it."""
    if same_grid(ref, other):
        return
    if ref.crs is None or other.crs is None:
        raise InputError(f"{label} is not on the first date's grid and has no coordinate "
                         "reference system to align it with; give georeferenced rasters")
    b = _bounds(other)
    try:
        left, bottom, right, top = transform_bounds(other.crs, ref.crs, *b, densify_pts=21)
    except Exception:
        raise InputError(f"{label}: cannot transform its extent to the first date's CRS") from None
    rl, rb, rr, rt = _bounds(ref)
    if min(right, rr) <= max(left, rl) or min(top, rt) <= max(bottom, rb):
        raise InputError(f"{label} does not overlap the first date (no common ground); "
                         "give dates of the same place")


def _bounds(p: SceneProfile) -> tuple:
    """(left, bottom, right, top) of a grid."""
    xs, ys = zip(*[p.transform * (c, r) for c in (0, p.width) for r in (0, p.height)])
    return min(xs), min(ys), max(xs), max(ys)


def temp_nodata(profile: SceneProfile) -> Optional[float]:
    """Nodata tag for a temporary copy: the input's, else 0 where 0 is fill, else NaN (floats)."""
    if profile.nodata is not None:
        return profile.nodata
    if np.issubdtype(np.dtype(profile.dtype), np.floating):
        return float("nan")
    return 0 if profile.zero_fill != "none" else None


class TempRaster:
    """A plain tiled GeoTIFF in a scratch folder; also a sink for the runner."""

    def __init__(self, path: str, profile: SceneProfile, nodata):
        self.path = path
        self._ds = rasterio.open(path, "w", driver="GTiff", width=profile.width,
                                 height=profile.height, count=profile.count, dtype=profile.dtype,
                                 nodata=nodata, crs=profile.crs, transform=profile.transform,
                                 tiled=True, blockxsize=256, blockysize=256, BIGTIFF="IF_SAFER")

    def wants(self, key: str) -> bool:
        return key == "main"

    def write(self, window: Window, data: np.ndarray, key: str = "main") -> None:
        self._ds.write(data, window=window)

    def close(self) -> None:
        self._ds.close()


@dataclass
class PreparedDate:
    """A date ready to classify: a raster on the reference grid plus how to read it."""

    label: str
    path: str
    calibration: Calibration
    nodata: Optional[float]
    zero_fill: str
    filled_pixels: int = 0

    def open(self):
        return _DateReader(self)


class _DateReader:
    def __init__(self, date: PreparedDate):
        self.date = date
        self._ds = rasterio.open(date.path)

    def read(self, window: Window) -> tuple:
        """(reflectance (3, h, w) float32 with invalid pixels 0, valid (h, w) bool)."""
        raw = self._ds.read(window=window)
        invalid = invalid_mask(raw, self.date.nodata, self.date.zero_fill, None).any(axis=0)
        refl = self.date.calibration.apply(raw)
        refl[:, invalid] = 0.0
        return refl, ~invalid

    def close(self) -> None:
        self._ds.close()


def fill_date(subset: BandSubset, workdir: str, index: int, method: str, *, device: str,
              tile_px: int, progress=None, cancel=None) -> tuple:
    """Copy (method "none") or gap-fill the subset into a temporary GeoTIFF on its own grid.
    Returns (path, nodata, filled band-pixels)."""
    from engine.runner import RunOptions, fill_scene

    p = subset.profile
    nodata = temp_nodata(p)
    path = os.path.join(workdir, f"date{index}_native.tif")
    sink = TempRaster(path, p, nodata)
    try:
        if method == NO_FILL:
            _copy(subset, sink, tile_px, progress, cancel)
            filled = 0
        else:
            report = fill_scene(subset, sink, RunOptions(method, tile_px, device),
                                progress=progress, cancel=cancel)
            filled = report.gap_pixels
    finally:
        sink.close()
    return path, nodata, filled


def _copy(scene: Scene, sink: TempRaster, tile_px: int, progress, cancel) -> None:
    from engine.errors import Cancelled
    from engine.tiling import iter_tiles, tile_count

    p = scene.profile
    total = tile_count(p.height, p.width, tile_px)
    for i, tile in enumerate(iter_tiles(p.height, p.width, tile_px, 0)):
        if cancel is not None and cancel():
            raise Cancelled("cancelled by the user; no output was written")
        sink.write(tile.core, scene.read(tile.core))
        if progress is not None:
            progress(i + 1, total)


def align_to(path: str, nodata, ref: SceneProfile, workdir: str, index: int) -> str:
    """Reproject a temporary date raster onto the reference grid (nearest neighbour, so gaps and
    clouds stay crisp and no value is invented); returns the new path."""
    out = os.path.join(workdir, f"date{index}_aligned.tif")
    with rasterio.open(path) as src:
        profile = ref.with_changes(count=src.count, dtype=src.dtypes[0])
        dst = TempRaster(out, profile, nodata)
        try:
            for b in range(1, src.count + 1):
                reproject(source=rasterio.band(src, b), destination=rasterio.band(dst._ds, b),
                          src_nodata=nodata, dst_nodata=nodata,
                          resampling=Resampling.nearest, init_dest_nodata=True)
        finally:
            dst.close()
    return out
