"""The class raster: uint8, one band, nodata 0, colour table and class names inside the GeoTIFF
(band description, band metadata CLASS_0..CLASS_3), internal overviews; written under a hidden
name in the destination folder and renamed only when complete. Also: class areas."""
from __future__ import annotations

import math
import os

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.windows import Window

from engine.errors import OutputError
from engine.io.scene import SceneProfile
from engine.water.classes import BAND_DESCRIPTION, CLASS_COLOURS, CLASS_NAMES, NO_DATA

OVERVIEW_MIN_SIDE_PX = 1024


class ClassRaster:
    """Atomic paletted GeoTIFF: `write` windows, then `commit` (or `abort`)."""

    def __init__(self, path: str, grid: SceneProfile, tags: dict):
        self.path = path
        self.tags = tags
        folder, name = os.path.split(path)
        self._stage = os.path.join(folder, f".{name}.partial-{os.getpid()}.tif")
        self.counts = np.zeros(4, np.int64)
        try:
            self._ds = rasterio.open(
                self._stage, "w", driver="GTiff", width=grid.width, height=grid.height, count=1,
                dtype="uint8", nodata=NO_DATA, crs=grid.crs, transform=grid.transform,
                tiled=True, blockxsize=256, blockysize=256, compress="deflate", BIGTIFF="IF_SAFER")
        except rasterio.errors.RasterioIOError as exc:
            raise OutputError(f"cannot create {path}: {str(exc).splitlines()[0]}") from None

    def write(self, window: Window, classes: np.ndarray) -> None:
        self._ds.write(classes[None].astype(np.uint8), window=window)
        self.counts += np.bincount(classes.ravel(), minlength=4)[:4]

    def commit(self) -> None:
        ds = self._ds
        try:
            ds.write_colormap(1, CLASS_COLOURS)
            ds.set_band_description(1, BAND_DESCRIPTION)
            ds.update_tags(1, **{f"CLASS_{i}": n for i, n in enumerate(CLASS_NAMES)})
            ds.update_tags(**{k: str(v) for k, v in self.tags.items()})
            factors = [f for f in (2, 4, 8, 16, 32, 64)
                       if max(ds.width, ds.height) / f >= 256]
            if max(ds.width, ds.height) >= OVERVIEW_MIN_SIDE_PX and factors:
                ds.build_overviews(factors, Resampling.nearest)
            ds.close()
            os.replace(self._stage, self.path)
        except Exception as exc:
            self.abort()
            raise OutputError(f"cannot write {self.path}: {str(exc).splitlines()[0]}") from None

    def abort(self) -> None:
        try:
            if not self._ds.closed:
                self._ds.close()
        except Exception:  # a half-written file may fail to close; removing it is what matters
            pass
        if os.path.exists(self._stage):
            os.remove(self._stage)


def pixel_area_m2(grid: SceneProfile) -> float:
    """Ground area of one pixel in m2: exact for projected grids in linear units; for
    geographic grids, at the grid's centre latitude (spherical Earth, R = 6371 km)."""
    t = grid.transform
    cell = abs(t.a * t.e - t.b * t.d)
    if grid.crs is None:
        return cell  # assume metres (a plain array or an ungeoreferenced raster)
    if grid.crs.is_geographic:
        lat = (t * (grid.width / 2.0, grid.height / 2.0))[1]
        r = 6_371_000.0
        return cell * (math.pi / 180 * r) ** 2 * math.cos(math.radians(lat))
    try:
        factor = float(grid.crs.linear_units_factor[1])
    except Exception:  # unknown units: metres
        factor = 1.0
    return cell * factor * factor
