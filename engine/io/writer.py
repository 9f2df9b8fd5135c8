"""The one raster writer of the engine: every output (fills, sidecars, water classes, the
simulator's gaps, a job's scratch rasters) goes through `AtomicGeoTiff`.

Tiles are streamed into a tiled GeoTIFF under a hidden temporary name in the destination folder,
then (for user outputs) converted by GDAL's COG driver (overviews first, internal tiles) into a
second temporary name, which is renamed over the destination only when everything succeeded. So
a crash, a cancel or a full disk never leaves a partial file with the user's name, and the input
is never touched.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import rasterio
from rasterio.enums import Resampling
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


@dataclass(frozen=True)
class RasterFormat:
    """How a layer is laid out on disk. Users get cloud-optimised GeoTIFFs (`COG`); the class
    raster keeps a colour table, which the COG driver's overview resampling would blur, so it is
    a tiled GeoTIFF with internal nearest-neighbour overviews (`PALETTED`); scratch rasters in a
    job's temporary folder skip compression and overviews (`SCRATCH`)."""

    block_px: int = 512
    compress: Optional[str] = "deflate"
    predictor: bool = True
    cog: bool = True
    overviews: bool = True    # COG: GDAL's AUTO levels; otherwise nearest levels built in place


COG = RasterFormat()
PALETTED = RasterFormat(block_px=256, predictor=False, cog=False)
SCRATCH = RasterFormat(block_px=256, compress=None, predictor=False, cog=False, overviews=False)
# In-place overviews only pay off on rasters at least this wide; levels stop at 256 px.
OVERVIEW_MIN_SIDE_PX = 1024


@dataclass
class LayerSpec:
    """One output file: the main result or a sidecar (filled-pixel mask, uncertainty, classes)."""

    path: str
    profile: SceneProfile
    tags: dict
    descriptions: tuple = ()
    band_tags: tuple = ()             # one dict per band (e.g. class names)
    colormap: Optional[dict] = None   # band 1 colour table: value -> RGBA
    format: RasterFormat = COG


class AtomicGeoTiff:
    """A GeoTIFF that only appears under its final name once `commit()` succeeds: tiles are
    written to a hidden stage file in the destination folder (same file system, so the final
    rename is atomic); `abort()` removes every partial file."""

    def __init__(self, spec: LayerSpec):
        self.spec = spec
        folder, name = os.path.split(spec.path)
        stem = f".{name}.partial-{os.getpid()}"
        self._stage = os.path.join(folder, stem + ".stage.tif")
        self._cog = os.path.join(folder, stem + ".cog.tif")
        self._ready: Optional[str] = None
        self.published = False
        p, fmt = spec.profile, spec.format
        options = dict(tiled=True, blockxsize=fmt.block_px, blockysize=fmt.block_px,
                       BIGTIFF="IF_SAFER")
        if fmt.compress:
            options["compress"] = fmt.compress
        if fmt.predictor:
            options["predictor"] = 2 if np.issubdtype(np.dtype(p.dtype), np.integer) else 3
        try:
            self._ds = rasterio.open(
                self._stage, "w", driver="GTiff", width=p.width, height=p.height, count=p.count,
                dtype=p.dtype, nodata=p.nodata, crs=p.crs, transform=p.transform, **options)
        except rasterio.errors.RasterioIOError as exc:
            raise OutputError(f"cannot create {spec.path}: {str(exc).splitlines()[0]}") from None

    def write(self, window: Window, data: np.ndarray) -> None:
        self._ds.write(data, window=window)

    def commit(self) -> None:
        self.prepare()
        self.publish()

    def prepare(self) -> None:
        """Finish the file under its temporary name (metadata, overviews, COG conversion): the
        slow part, which can fail (full disk) while nothing carries the user's name yet."""
        try:
            self._finish_metadata()
            if self.spec.format.cog:
                self._ds.close()
                self._to_cog()
                os.remove(self._stage)
                self._ready = self._cog
            else:
                if self.spec.format.overviews:
                    self._build_overviews()
                self._ds.close()
                self._ready = self._stage
        except (OSError, RuntimeError, rasterio.errors.RasterioError) as exc:
            self.abort()
            raise OutputError(f"cannot write {self.spec.path}: "
                              f"{str(exc).strip().splitlines()[0]}") from None

    def publish(self) -> None:
        """Rename the prepared file to its final name (atomic within one file system)."""
        os.replace(self._ready, self.spec.path)
        self._ready = None
        self.published = True

    def _finish_metadata(self) -> None:
        ds, spec = self._ds, self.spec
        if spec.colormap:
            ds.write_colormap(1, spec.colormap)
        if spec.descriptions:
            ds.descriptions = tuple(spec.descriptions)[: ds.count]
        for band, tags in enumerate(spec.band_tags[: ds.count], start=1):
            ds.update_tags(band, **tags)
        ds.update_tags(**{k: str(v) for k, v in spec.tags.items()})
        write_band_metadata(ds, spec.profile)

    def _build_overviews(self) -> None:
        ds = self._ds
        factors = [f for f in (2, 4, 8, 16, 32, 64) if max(ds.width, ds.height) / f >= 256]
        if max(ds.width, ds.height) >= OVERVIEW_MIN_SIDE_PX and factors:
            ds.build_overviews(factors, Resampling.nearest)

    def _to_cog(self) -> None:
        from osgeo import gdal

        p = self.spec.profile
        opts = ["COMPRESS=DEFLATE", "PREDICTOR=YES", "BIGTIFF=IF_SAFER",
                "OVERVIEWS=AUTO" if self.spec.format.overviews else "OVERVIEWS=NONE",
                "RESAMPLING=NEAREST" if p.dtype == "uint8" and p.count == 1
                else "RESAMPLING=AVERAGE"]
        gdal.UseExceptions()
        with gdal_cache():
            out = gdal.Translate(self._cog, self._stage, format="COG", creationOptions=opts)
            out = None  # noqa: F841  (closing flushes the file)

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
        """All layers or none: every layer is finished under its temporary name first, and only
        then are they renamed, one right after the other."""
        try:
            for layer in self._layers.values():
                layer.prepare()
            for layer in self._layers.values():
                layer.publish()
        except BaseException:
            self.abort(published_too=True)
            raise

    def abort(self, published_too: bool = False) -> None:
        for layer in self._layers.values():
            layer.abort()
            if published_too and layer.published and os.path.exists(layer.spec.path):
                os.remove(layer.spec.path)

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
