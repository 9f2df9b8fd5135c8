"""One date of the water job: its red/NIR/SWIR1 bands gap-filled through the engine's tiled
runner into a scratch GeoTIFF, then read tile by tile on the first date's grid (GDAL's warper,
nearest neighbour, so gaps and clouds stay crisp and no value is invented). Inputs are only
read; scratch files live in the job's temporary folder."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from rasterio.windows import Window

from engine.gaps.validity import invalid_mask
from engine.io.grid import AlignedRaster
from engine.io.scene import Scene, SceneProfile
from engine.io.writer import SCRATCH, GeoTiffSink, LayerSpec
from engine.runner import RunOptions, fill_scene
from engine.tiling import walk_tiles
from engine.water.radiometry import Calibration

NO_FILL = "none"


def scratch_nodata(profile: SceneProfile) -> Optional[float]:
    """Nodata tag for a scratch copy: the input's, else 0 where 0 is fill, else NaN (floats),
    so the copy's unfilled pixels read back as invalid exactly as the input's did."""
    if profile.nodata is not None:
        return profile.nodata
    if np.issubdtype(np.dtype(profile.dtype), np.floating):
        return float("nan")
    return 0 if profile.zero_fill != "none" else None


@dataclass
class PreparedDate:
    """A date ready to classify: a scratch raster (on its own grid) and how to read it as
    reflectance on the reference grid."""

    label: str
    path: str
    grid: SceneProfile       # the reference grid every date is read on
    calibration: Calibration
    nodata: Optional[float]
    zero_fill: str
    filled_pixels: int = 0

    def open(self) -> "DateReader":
        """A reader of this date on the reference grid; close it (or use it as a context manager)
        when done."""
        return DateReader(self)


class DateReader:
    """Reads one prepared date window by window as reflectance on the reference grid, with its
    validity, for the tiled classifier."""

    def __init__(self, date: PreparedDate):
        self.date = date
        self._raster = AlignedRaster(date.path, date.grid, date.nodata)

    def read(self, window: Window) -> tuple:
        """(reflectance (3, h, w) float32 with invalid pixels 0, valid (h, w) bool)."""
        raw = self._raster.read(window)
        invalid = invalid_mask(raw, self.date.nodata, self.date.zero_fill, None).any(axis=0)
        refl = self.date.calibration.apply(raw)
        refl[:, invalid] = 0.0
        return refl, ~invalid

    def close(self) -> None:
        """Close the aligned raster."""
        self._raster.close()


def fill_date(bands: Scene, workdir: str, index: int, method: str, *, device: str,
              tile_px: int, progress=None, cancel=None, references: Sequence = ()) -> tuple:
    """Copy (method "none") or gap-fill `bands` into a scratch GeoTIFF on its own grid, from
    `references` (the job's other dates) when the method fills from them.
    Returns (path, nodata, filled band-pixels)."""
    p = bands.profile
    nodata = scratch_nodata(p)
    path = os.path.join(workdir, f"date{index}_native.tif")
    with GeoTiffSink(LayerSpec(path, p.with_changes(nodata=nodata), {}, format=SCRATCH)) as sink:
        if method == NO_FILL:
            for tile in walk_tiles(p.height, p.width, tile_px, progress=progress,
                                   cancel=cancel):
                sink.write(tile.core, bands.read(tile.core))
            filled = 0
        else:
            report = fill_scene(bands, sink, RunOptions(method, tile_px, device),
                                progress=progress, cancel=cancel, references=references)
            filled = report.gap_pixels
    return path, nodata, filled
