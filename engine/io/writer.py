"""The one raster writer of the engine: every output (fills, sidecars, water classes, the
simulator's gaps, a job's scratch rasters) goes through `AtomicGeoTiff`.

Tiles are streamed into a tiled GeoTIFF under a hidden temporary name in the destination folder,
then (for user outputs) converted by GDAL's COG driver (overviews first, internal tiles) into a
second temporary name, which is renamed over the destination only when everything succeeded. So
a crash, a cancel or a full disk never leaves a partial file with the user's name, and the input
is never touched. Temporary names carry the writer's process id (`.NAME.partial-PID.*`): what a
killed process left behind is removed by the next write into that folder.
"""
from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.windows import Window

from engine.errors import OutputError
from engine.io.band_metadata import write_band_metadata
from engine.io.gdal_env import gdal_cache
from engine.io.interrupt import deferred, gdal_progress, stop_requested
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


_PARTIAL = re.compile(r"^\..+\.partial-(\d+)\..+$")


def partial_path(path: str, kind: str) -> str:
    """Hidden temporary name beside `path` (same file system, so renaming it is atomic)."""
    folder, name = os.path.split(path)
    ext = os.path.splitext(name)[1] or ".tif"
    return os.path.join(folder, f".{name}.partial-{os.getpid()}.{kind}{ext}")


def _own_partials(path: str) -> list:
    """Every temporary file of `path` made by this process, GDAL's own (COG overview scratch
    files named after ours) included."""
    folder, name = os.path.split(path)
    prefix = f".{name}.partial-{os.getpid()}."
    try:
        return [os.path.join(folder, f) for f in os.listdir(folder) if f.startswith(prefix)]
    except OSError:
        return []


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True   # someone else's process (or no way to tell): leave its files alone
    return True


def remove_stale_partials(folder: str) -> list:
    """Remove the temporary files that writers killed before they could clean up (SIGKILL, a
    power cut) left in `folder`; files of a process still running are kept. Returns them."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    stale = []
    for name in names:
        match = _PARTIAL.match(name)
        if match and int(match.group(1)) != os.getpid() and not _process_alive(int(match.group(1))):
            try:
                os.remove(os.path.join(folder, name))
                stale.append(name)
            except OSError:
                pass
    if stale:
        log.warning("removed %d partial file(s) left in %s by an earlier run that was killed: %s",
                    len(stale), folder, ", ".join(sorted(stale)))
    return stale


_JOBS: list = []   # one list of published paths per open `one_job` block


@contextmanager
def one_job():
    """A job's outputs appear all or none: every file published inside the block is removed
    again if the block fails or is interrupted (also after it was renamed into place)."""
    published: list = []
    _JOBS.append(published)
    try:
        yield published
    except BaseException:
        for path in reversed(published):
            if os.path.exists(path):
                os.remove(path)
        raise
    finally:
        _JOBS.remove(published)


def _publish(ready: str, path: str) -> None:
    os.replace(ready, path)
    for job in _JOBS:
        job.append(path)


class _GdalFailures:
    """Collects GDAL's CE_Failure messages: closing a rasterio dataset flushes its last tiles
    and a failure there (full disk) is only reported to GDAL's error handler, never raised."""

    def __enter__(self):
        from osgeo import gdal

        self.messages: list = []

        def handler(err_class, err_no, message):
            if err_class >= gdal.CE_Failure:
                self.messages.append(message)

        self._handler = handler
        gdal.PushErrorHandler(handler)
        return self

    def __exit__(self, exc_type, exc, tb):
        from osgeo import gdal

        gdal.PopErrorHandler()
        if exc_type is None and self.messages:
            raise OSError(self.messages[0])
        return False


def _check_last_tile(path: str) -> None:
    """The COG driver can report a write that failed at the very end (full disk) on a thread
    of its own and still return success; its last tile is written last, so reading it back
    tells a complete file from a cut one, for the price of one tile."""
    from osgeo import gdal

    ds = gdal.Open(path)
    band = ds.GetRasterBand(ds.RasterCount)
    bw, bh = band.GetBlockSize()
    x0, y0 = (ds.RasterXSize - 1) // bw * bw, (ds.RasterYSize - 1) // bh * bh
    try:
        band.ReadRaster(x0, y0, ds.RasterXSize - x0, ds.RasterYSize - y0)
    except RuntimeError:
        raise OSError("the file came out cut short (is the disk full?)") from None
    finally:
        ds = None  # noqa: F841  (closes the file)


class AtomicGeoTiff:
    """A GeoTIFF that only appears under its final name once `commit()` succeeds: tiles are
    written to a hidden stage file in the destination folder (same file system, so the final
    rename is atomic); `abort()` removes every partial file."""

    def __init__(self, spec: LayerSpec):
        self.spec = spec
        remove_stale_partials(os.path.dirname(os.path.abspath(spec.path)))
        self._stage = partial_path(spec.path, "stage")
        self._cog = partial_path(spec.path, "cog")
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
            self.abort()
            raise OutputError(f"cannot create {spec.path}: {str(exc).splitlines()[0]}") from None

    @property
    def ready_path(self) -> Optional[str]:
        """The finished file under its temporary name, between `prepare` and `publish`."""
        return self._ready

    def write(self, window: Window, data: np.ndarray) -> None:
        """Write a (count, h, w) block of the stage file."""
        self._ds.write(data, window=window)

    def commit(self) -> None:
        """Finish and publish a single file; signals wait until the rename is done. A job with
        several layers uses `GeoTiffSink.commit`, which prepares all before publishing any."""
        self.prepare()
        with deferred():
            self.publish()

    def prepare(self) -> None:
        """Finish the file under its temporary name (metadata, overviews, COG conversion): the
        slow part, which can fail (full disk) while nothing carries the user's name yet."""
        try:
            self._finish_metadata()
            if self.spec.format.cog:
                self._close()
                self._to_cog()
                os.remove(self._stage)
                self._ready = self._cog
            else:
                if self.spec.format.overviews:
                    self._build_overviews()
                self._close()
                self._ready = self._stage
        except BaseException as exc:
            self.abort()
            if stop_requested():       # GDAL abandoned the conversion because of a signal
                raise KeyboardInterrupt from None
            if isinstance(exc, (OSError, RuntimeError, rasterio.errors.RasterioError)):
                raise OutputError(f"cannot write {self.spec.path}: "
                                  f"{str(exc).strip().splitlines()[0]}") from None
            raise

    def publish(self) -> None:
        """Rename the prepared file to its final name (atomic within one file system)."""
        _publish(self._ready, self.spec.path)
        self._ready = None
        self.published = True

    def _close(self) -> None:
        with _GdalFailures():
            self._ds.close()

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
        # A signal during the conversion only sets the stop flag: GDAL sees it through the
        # progress callback and stops; prepare() then raises it.
        with gdal_cache(), deferred(), _GdalFailures():
            out = gdal.Translate(self._cog, self._stage, format="COG", creationOptions=opts,
                                 callback=gdal_progress)
            out = None  # noqa: F841  (closing flushes the file)
            _check_last_tile(self._cog)


    def abort(self) -> None:
        """Close and remove every partial file of this output; never raises for a half-written file,
        so it is safe on any error path."""
        ds = getattr(self, "_ds", None)
        try:
            if ds is not None and not ds.closed:
                ds.close()
        except Exception:  # closing a half-written file may fail; removing it is what matters
            pass
        self._ready = None
        for path in _own_partials(self.spec.path):
            try:
                os.remove(path)
            except FileNotFoundError:
                pass


class AtomicFile:
    """Any other output (a preview PNG): `make(partial_path, *args)` writes it under a hidden
    temporary name beside its destination, `publish()` renames it into place."""

    def __init__(self, path: str, make: Callable):
        self.path = path
        self._make = make
        self._partial = partial_path(path, "stage")
        self.published = False

    def prepare(self, *args) -> None:
        """Make the file under its temporary name with `make(partial, *args)`; any failure removes
        it, and a disk error is reported naming the file the user asked for."""
        try:
            self._make(self._partial, *args)
        except (OSError, OutputError) as exc:  # a full disk: name the file the user asked for
            self.abort()
            reason = (exc.strerror if isinstance(exc, OSError) and exc.strerror
                      else str(exc).rsplit(": ", 1)[-1])
            raise OutputError(f"cannot write {self.path}: {reason}") from None
        except BaseException:
            self.abort()
            raise

    def publish(self) -> None:
        """Rename the prepared file onto its destination."""
        _publish(self._partial, self.path)
        self.published = True

    def write(self, *args) -> None:
        """prepare + publish, for a job whose only output this is."""
        remove_stale_partials(os.path.dirname(os.path.abspath(self.path)))
        self.prepare(*args)
        try:
            with deferred():
                self.publish()
        except BaseException:
            self.abort()
            if self.published and os.path.exists(self.path):
                os.remove(self.path)
            raise

    def abort(self) -> None:
        """Remove the temporary file(s); the destination is left as it was."""
        for path in _own_partials(self.path):
            try:
                os.remove(path)
            except FileNotFoundError:
                pass


class GeoTiffSink:
    """Where the runner writes: the main layer plus optional sidecar layers, committed together.
    `derived` files (a preview PNG) are made from the prepared layers and published with them:
    `make(partial_path, ready)` gets `ready` = {layer key: finished file under its temporary
    name}."""

    def __init__(self, main: LayerSpec, extras: Optional[dict] = None,
                 derived: Sequence[AtomicFile] = ()):
        self._layers = {"main": AtomicGeoTiff(main)}
        self._derived = list(derived)
        try:
            for key, spec in (extras or {}).items():
                self._layers[key] = AtomicGeoTiff(spec)
        except BaseException:
            self.abort()
            raise

    def wants(self, key: str) -> bool:
        """Whether a sidecar layer (`key`) was asked for, so the runner computes only what is
        written."""
        return key in self._layers

    def write(self, window: Window, data: np.ndarray, key: str = "main") -> None:
        """Write a block into layer `key`."""
        self._layers[key].write(window, data)

    def commit(self) -> None:
        """All outputs or none: every layer (and derived file) is finished under its temporary
        name first, and only then are they renamed, one right after the other, with signals
        held back until the last rename."""
        try:
            for layer in self._layers.values():
                layer.prepare()
            ready = {key: layer.ready_path for key, layer in self._layers.items()}
            for extra in self._derived:
                extra.prepare(ready)
            with deferred():
                for layer in self._layers.values():
                    layer.publish()
                for extra in self._derived:
                    extra.publish()
        except BaseException:
            self.abort(published_too=True)
            raise

    def abort(self, published_too: bool = False) -> None:
        """Remove every partial file; with `published_too`, also the layers already renamed in, so a
        failed commit leaves none of the job's outputs."""
        for layer in self._layers.values():
            layer.abort()
            if published_too and layer.published and os.path.exists(layer.spec.path):
                os.remove(layer.spec.path)
        for extra in self._derived:
            extra.abort()
            if published_too and extra.published and os.path.exists(extra.path):
                os.remove(extra.path)

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
        """Whether layer `key` is kept, as `GeoTiffSink.wants`."""
        return key in self.arrays

    def write(self, window: Window, data: np.ndarray, key: str = "main") -> None:
        """Write a block into the in-memory layer `key`."""
        (r0, r1), (c0, c1) = window.toranges()
        self.arrays[key][:, r0:r1, c0:c1] = data

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
