"""GDAL's block cache defaults to 5 % of RAM (1.2 GB on a 24 GB machine) and fills up while a
whole scene streams through it; capping it keeps peak memory independent of the scene size."""
from __future__ import annotations

import functools

GDAL_CACHE_MB = 64


class gdal_cache:
    """Context manager (and decorator) that caps GDAL's block cache, then restores it."""

    def __init__(self, megabytes: int = GDAL_CACHE_MB):
        self.megabytes = megabytes

    def __enter__(self):
        from osgeo import gdal

        self._old = gdal.GetCacheMax()
        gdal.SetCacheMax(self.megabytes * 1024 * 1024)
        return self

    def __exit__(self, *exc):
        from osgeo import gdal

        gdal.SetCacheMax(self._old)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with gdal_cache(self.megabytes):
                return func(*args, **kwargs)
        return wrapper
