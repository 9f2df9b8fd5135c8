"""Atomic, cloud-optimised GeoTIFF output.

Tiles are streamed into a tiled GeoTIFF under a hidden temporary name in the destination folder,
then converted by GDAL's COG driver (overviews first, internal tiles) into a second temporary
name, which is renamed over the destination only when everything succeeded. So a crash, a cancel
or a full disk never leaves a partial file with the user's name, and the input is never touched.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import rasterio
from rasterio.windows import Window

from engine.errors import OutputError
from engine.io.band_metadata import write_band_metadata
from engine.io.gdal_env import gdal_cache
from engine.io.scene import SceneProfile

log = logging.getLogger(__name__)


def check_output_path(path: str, inputs: Sequence[str] = ()) -> str:
    """Refuse outputs that would overwrite an input or cannot be written; return the abs path."""
    out = os.path.abspath(os.fspath(path))
    for src in inputs:
        src_abs = os.path.abspath(os.fspath(src))
        if out == src_abs or (os.path.exists(out) and os.path.exists(src_abs)
                              and os.path.samefile(out, src_abs)):
            raise OutputError(f"output {path} is the input; choose another file name")
    folder = os.path.dirname(out)
    if not os.path.isdir(folder):
        raise OutputError(f"output folder does not exist: {folder}")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"output folder is not writable: {folder}")
    if os.path.isdir(out):
        raise OutputError(f"output {path} is a folder; give a file name ending in .tif")
    return out


@dataclass
class LayerSpec:
    """One output file: the main result or a sidecar (filled-pixel mask, uncertainty)."""

    path: str
    profile: SceneProfile
    tags: dict
    descriptions: tuple = ()


class AtomicGeoTiff:
    """A GeoTIFF that only appears under its final name once `commit()` succeeds."""

    def __init__(self, spec: LayerSpec):
        self.spec = spec
        folder, name = os.path.split(spec.path)
        stem = f".{name}.partial-{os.getpid()}"
        self._stage = os.path.join(folder, stem + ".stage.tif")
        self._cog = os.path.join(folder, stem + ".cog.tif")
        p = spec.profile
        integer = np.issubdtype(np.dtype(p.dtype), np.integer)
        try:
            self._ds = rasterio.open(
                self._stage, "w", driver="GTiff", width=p.width, height=p.height, count=p.count,
                dtype=p.dtype, nodata=p.nodata, crs=p.crs, transform=p.transform, tiled=True,
                blockxsize=512, blockysize=512, compress="deflate",
                predictor=2 if integer else 3, BIGTIFF="IF_SAFER")
        except rasterio.errors.RasterioIOError as exc:
            raise OutputError(f"cannot create {spec.path}: {str(exc).splitlines()[0]}") from None

    def write(self, window: Window, data: np.ndarray) -> None:
        self._ds.write(data, window=window)

    def commit(self) -> None:
        from osgeo import gdal

        ds = self._ds
        if self.spec.descriptions:
            ds.descriptions = tuple(self.spec.descriptions)[: ds.count]
        ds.update_tags(**{k: str(v) for k, v in self.spec.tags.items()})
        write_band_metadata(ds, self.spec.profile)
        ds.close()
        opts = ["COMPRESS=DEFLATE", "PREDICTOR=YES", "BIGTIFF=IF_SAFER", "OVERVIEWS=AUTO",
                "RESAMPLING=NEAREST" if self.spec.profile.dtype == "uint8" and
                self.spec.profile.count == 1 else "RESAMPLING=AVERAGE"]
        gdal.UseExceptions()
        with gdal_cache():
            try:
                out = gdal.Translate(self._cog, self._stage, format="COG", creationOptions=opts)
                out = None  # noqa: F841  (closing flushes the file)
            except RuntimeError as exc:
                self.abort()
                raise OutputError(f"cannot write {self.spec.path}: {exc}") from None
        os.remove(self._stage)
        os.replace(self._cog, self.spec.path)

    def abort(self) -> None:
        try:
            if not self._ds.closed:
                self._ds.close()
        except Exception:  # closing a half-written file may fail; removing it is what matters
            pass
        for path in (self._stage, self._cog):
            if os.path.exists(path):
                os.remove(path)


class GeoTiffSink:
    """Where the runner writes: the main layer plus optional sidecar layers, committed together."""

    def __init__(self, main: LayerSpec, extras: Optional[dict] = None):
        self._layers = {"main": AtomicGeoTiff(main)}
        try:
            for key, spec in (extras or {}).items():
                self._layers[key] = AtomicGeoTiff(spec)
        except Exception:
            self.abort()
            raise

    def wants(self, key: str) -> bool:
        return key in self._layers

    def write(self, window: Window, data: np.ndarray, key: str = "main") -> None:
        self._layers[key].write(window, data)

    def commit(self) -> None:
        for layer in self._layers.values():
            layer.commit()

    def abort(self) -> None:
        for layer in self._layers.values():
            layer.abort()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.abort()
        return False


class ArraySink:
    """In-memory sink with the same interface, for evaluation and tests."""

    def __init__(self, profile: SceneProfile, extras: Optional[dict] = None):
        self.arrays = {"main": np.zeros((profile.count, profile.height, profile.width), profile.dtype)}
        for key, (count, dtype) in (extras or {}).items():
            self.arrays[key] = np.zeros((count, profile.height, profile.width), dtype)

    def wants(self, key: str) -> bool:
        return key in self.arrays

    def write(self, window: Window, data: np.ndarray, key: str = "main") -> None:
        (r0, r1), (c0, c1) = window.toranges()
        self.arrays[key][:, r0:r1, c0:c1] = data

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
