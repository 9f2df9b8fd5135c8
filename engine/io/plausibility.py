"""Refuse rasters whose header cannot describe a real image, before any pixel is read.

Grid: the runner, the stripe geometry and the writer assume north-up pixels (no rotation or
shear terms) with a finite, non-zero size; a rotated grid must be warped first.

Size: a header can claim 100000 x 100000 px in a file of a few hundred kB (a sparse GeoTIFF
whose blocks are all missing), and the statistics pass then reads 10^10 pixels for minutes.
Real imagery does not compress that far: deflate and LZW stop near 1000:1 even on a constant
block, and Landsat scenes compress 2-10:1. So a raster is refused when its pixels would take
more than MAX_RATIO times the bytes of all its files (VRT sources and tarball members count),
once it is large enough (MIN_CHECKED_BYTES) for the pass to matter."""
from __future__ import annotations

import math

import numpy as np

from engine.errors import InputError

MAX_RATIO = 1000
MIN_CHECKED_BYTES = 256 << 20


def check_grid(transform, path: str) -> None:
    """Refuse a geotransform the engine cannot work on (not finite, rotated or sheared, zero pixel
    size) with a message that says how to fix it; `path` only names the file."""
    a, b, _, d, e, _ = tuple(transform)[:6]
    if not all(math.isfinite(v) for v in tuple(transform)[:6]):
        raise InputError(f"{path} has a geotransform that is not finite")
    if b != 0 or d != 0:
        raise InputError(f"{path} is on a rotated or sheared grid; warp it to a north-up grid "
                         "first (e.g. gdalwarp)")
    if a == 0 or e == 0:
        raise InputError(f"{path} has a pixel size of zero in its geotransform")


def check_size_for_bytes(ds, path: str) -> None:
    """`ds`: an open rasterio dataset."""
    pixel_bytes = ds.width * ds.height * sum(np.dtype(t).itemsize for t in ds.dtypes)
    if pixel_bytes < MIN_CHECKED_BYTES:
        return
    disk = _bytes_on_disk(ds.files or [path])
    if pixel_bytes > MAX_RATIO * disk:
        raise InputError(
            f"{path} claims {ds.width} x {ds.height} px x {ds.count} band(s) "
            f"({pixel_bytes / 1e9:.1f} GB of pixels) in {disk / 1e6:.1f} MB of files: more than "
            f"{MAX_RATIO}:1, which no real image compresses to; refusing it as corrupt or crafted")


def _bytes_on_disk(files) -> int:
    from osgeo import gdal

    total = 0
    for f in files:
        stat = gdal.VSIStatL(f)  # works for plain paths and /vsitar/... members alike
        if stat is not None:
            total += stat.size
    return total
