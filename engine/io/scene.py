"""A scene is a stack of co-registered bands that can be read window by window.

Reading by window (never the whole raster) is what keeps the runner's memory independent of the
scene size; the in-memory `ArrayScene` lets evaluation and tests go through the very same runner.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.transform import Affine
from rasterio.windows import Window

from engine.errors import InputError
from engine.gaps.qa import qa_untrusted
from engine.gaps.validity import invalid_mask


@dataclass(frozen=True)
class BandMeta:
    """What a band says about its values beyond the pixels: without scale and offset a
    reflectance x 10000 band reads as plain integers, and band tags may carry its licence or
    provenance. Filling changes pixels, not what they mean, so the fill output keeps these."""

    scale: float = 1.0
    offset: float = 0.0
    units: str = ""
    tags: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SceneProfile:
    """What the writer needs to reproduce the input's grid and encoding exactly."""

    width: int
    height: int
    count: int
    dtype: str
    nodata: Optional[float]
    crs: Optional[CRS]
    transform: Affine
    band_names: tuple = ()
    zero_fill: str = "none"  # see engine.gaps.validity
    tags: dict = field(default_factory=dict)
    # (left, bottom, right, top) of the whole Landsat product from its MTL, in CRS units: tells
    # a raster border on the scene's own frame from one where the raster was cropped.
    product_bounds: Optional[tuple] = None
    band_meta: tuple = ()  # BandMeta per band, in band order; () when unknown

    @property
    def pixel_size_m(self) -> float:
        """Ground pixel size; 30 m (Landsat) when the grid is not projected in metres."""
        if self.crs is not None and self.crs.is_projected and self.transform != Affine.identity():
            return float(abs(self.transform.a))
        return 30.0

    @property
    def center_latitude_deg(self) -> float:
        """Latitude of the scene centre (drives the SLC-off stripe tilt); 0 when unknown."""
        if self.crs is None or self.transform == Affine.identity():
            return 0.0
        from rasterio.warp import transform as warp

        x, y = self.transform * (self.width / 2.0, self.height / 2.0)
        try:
            _, lat = warp(self.crs, CRS.from_epsg(4326), [x], [y])
        except Exception:  # an exotic CRS without a path to WGS84: fall back to the equator
            return 0.0
        return float(lat[0])

    @property
    def grid_rotation_deg(self) -> float:
        """How far true north lies clockwise of grid north at the scene centre (meridian
        convergence): SLC-off stripes follow the orbit, so this adds to their tilt on the grid."""
        if self.crs is None or self.transform == Affine.identity():
            return 0.0
        from rasterio.warp import transform as warp

        x, y = self.transform * (self.width / 2.0, self.height / 2.0)
        try:
            (lon,), (lat,) = warp(self.crs, CRS.from_epsg(4326), [x], [y])
            (nx,), (ny,) = warp(CRS.from_epsg(4326), self.crs, [lon], [lat + 0.01])
        except Exception:  # no path to WGS84: assume a north-up grid
            return 0.0
        return float(np.degrees(np.arctan2(nx - x, ny - y)))

    def with_changes(self, **kw) -> "SceneProfile":
        """Changed copy; a different band count drops band_meta, which no longer lines up."""
        if kw.get("count", self.count) != self.count:
            kw.setdefault("band_meta", ())
        return replace(self, **kw)


class Scene:
    """Base class: subclasses provide `profile` and `read`; validity is computed here once."""

    profile: SceneProfile

    files: list = []

    def read(self, window: Window) -> np.ndarray:  # (count, h, w), native dtype
        """All bands of `window`, shape (count, h, w), in the native dtype."""
        raise NotImplementedError

    def read_qa_fill(self, window: Window) -> Optional[np.ndarray]:
        """Union fill flag from a QA band (True = fill), or None when the scene has none."""
        return None

    def read_qa_untrusted(self, window: Window) -> Optional[np.ndarray]:
        """Pixels the product's QA band flags as fill, cloud, shadow or snow (True), or None
        when the scene has no QA band: what a reference date must not lend to a gap."""
        return None

    def invalid(self, window: Window, data: np.ndarray) -> np.ndarray:
        """Per-band nodata mask: nodata tag, NaN, QA fill bit, and 0 where 0 is Landsat fill."""
        return invalid_mask(data, self.profile.nodata, self.profile.zero_fill,
                            self.read_qa_fill(window))

    def invalid_decimated(self, sample: np.ndarray) -> np.ndarray:
        """Validity of a `read_decimated` sample (nodata tag and zero fill; QA is not needed for
        statistics since Landsat fill is also 0 in the bands)."""
        return invalid_mask(sample, self.profile.nodata, self.profile.zero_fill, None)

    def read_decimated(self, max_side: int = 1024, band_read=None) -> np.ndarray:
        """Nearest-neighbour overview of the whole scene (bounded memory), for statistics.
        `band_read(n)` is called once n bands are read: on a full scene each band takes
        seconds, and a progress bar should move meanwhile."""
        p = self.profile
        step = max(1, int(np.ceil(max(p.height, p.width) / max_side)))
        bands = []
        for band in self.iter_strided(step):
            bands.append(band)
            if band_read is not None:
                band_read(len(bands))
        return np.stack(bands)

    def read_strided(self, step: int) -> np.ndarray:
        """Every `step`-th row and column of every band (what `read_decimated` samples)."""
        raise NotImplementedError

    def iter_strided(self, step: int):
        """`read_strided` band by band; scenes that read bands separately yield each as soon
        as it is read."""
        yield from self.read_strided(step)

    def close(self) -> None:
        """Release open files; a no-op for in-memory scenes, so callers can close any scene."""
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ArrayScene(Scene):
    """A scene held in memory (evaluation, tests, the simulator's output before writing)."""

    def __init__(self, data: np.ndarray, profile: SceneProfile):
        if data.ndim == 2:
            data = data[None]
        self.data = data
        self.profile = profile.with_changes(count=data.shape[0], height=data.shape[1],
                                            width=data.shape[2], dtype=str(data.dtype))

    def read(self, window: Window) -> np.ndarray:
        """A copy of the window, so a caller that writes into the tile cannot change the scene."""
        (r0, r1), (c0, c1) = window.toranges()
        return self.data[:, r0:r1, c0:c1].copy()

    def read_strided(self, step: int) -> np.ndarray:
        """A copy of every `step`-th row and column."""
        return self.data[:, ::step, ::step].copy()


class RasterioScene(Scene):
    """Bands taken from one or several GDAL datasets (a multi-band file or a product folder)."""

    def __init__(self, members: Sequence[tuple], profile: SceneProfile,
                 qa: Optional[tuple] = None, qa_fill_bit: int = 0, qa_collection: str = "",
                 product_files: Sequence[str] = ()):
        self._datasets: dict = {}
        self._product_files = list(product_files)
        try:
            self._members = [(self._open(path), band) for path, band in members]
            self._qa = (self._open(qa[0]), qa[1]) if qa else None
        except Exception:
            self.close()
            raise
        self._qa_fill_bit = qa_fill_bit
        self.qa_collection = qa_collection
        self.profile = profile

    @property
    def members(self) -> list:
        """(open dataset, band number) per band, in band order."""
        return list(self._members)

    @property
    def qa_member(self) -> Optional[tuple]:
        """(open dataset, band number) of the QA band, or None."""
        return self._qa

    def _open(self, path: str):
        if path not in self._datasets:
            try:
                self._datasets[path] = rasterio.open(path)
            except rasterio.errors.RasterioIOError as exc:
                raise InputError(f"cannot read raster {path}: {_first_line(exc)}") from None
        return self._datasets[path]

    def read(self, window: Window) -> np.ndarray:
        """The window of every member band, stacked in band order; read errors become InputError."""
        bands = [self._read_band(ds, b, window) for ds, b in self._members]
        return np.stack(bands)

    @staticmethod
    def _read_band(ds, band: int, window: Window, out_shape=None) -> np.ndarray:
        try:
            return ds.read(band, window=window, out_shape=out_shape)
        except rasterio.errors.RasterioIOError as exc:
            raise InputError(f"cannot read {ds.name}: {_first_line(exc)}") from None

    def read_qa_fill(self, window: Window) -> Optional[np.ndarray]:
        """The QA band's fill bit for the window (True = fill), or None without a QA band."""
        if self._qa is None:
            return None
        qa = self._read_band(self._qa[0], self._qa[1], window)
        return (qa.astype(np.int64) >> self._qa_fill_bit) & 1 == 1

    def read_qa_untrusted(self, window: Window) -> Optional[np.ndarray]:
        """QA flags for fill, cloud, shadow or snow in the window (True), interpreted for the
        product's collection, or None without a QA band."""
        if self._qa is None:
            return None
        return qa_untrusted(self._read_band(self._qa[0], self._qa[1], window),
                            self.qa_collection)

    def read_strided(self, step: int) -> np.ndarray:
        """Every `step`-th pixel, read by GDAL at the reduced size (`out_shape`), so the statistics
        pass never holds the full scene."""
        return np.stack(list(self.iter_strided(step)))

    def iter_strided(self, step: int):
        """One band file read at a time, so the statistics pass can report each band."""
        p = self.profile
        shape = (max(1, p.height // step), max(1, p.width // step))
        full = Window(0, 0, p.width, p.height)
        for ds, b in self._members:
            yield self._read_band(ds, b, full, out_shape=shape)

    @property
    def files(self) -> list:
        """Every file this scene reads or belongs to (bands, QA, the sources behind a VRT, the
        product's MTL and its other files, the tarball): outputs must never replace one."""
        found = list(self._product_files)
        for path, ds in self._datasets.items():
            found += [path] + list(ds.files)
        return list(dict.fromkeys(p for p in found if not p.startswith("/vsi")))

    def close(self) -> None:
        """Close every dataset the scene opened (bands, QA); safe to call twice."""
        for ds in self._datasets.values():
            ds.close()
        self._datasets = {}


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
