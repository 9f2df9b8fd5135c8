"""Pixel values -> reflectance, by fixed factors per product type (identical in training and
inference; the model card records this module as its normalisation).

In order of precedence:
1. a user factor (`--reflectance-scale`): reflectance = value * factor;
2. a Landsat product (folder, MTL or tarball): the MTL's REFLECTANCE_MULT/ADD_BAND_n. Level-2
   products give surface reflectance (Collection 2: 2.75e-5, -0.2); Level-1 products give
   top-of-atmosphere reflectance, divided by sin(SUN_ELEVATION);
3. the raster's own scale/offset tags, when set;
4. the pixel type: int16 / int32 / uint16 hold reflectance x 10000 (GA ARG25, USGS Collection 1
   surface reflectance, HLS), except uint16 whose valid values mostly sit above 7000, which is
   the Collection 2 Level-2 coding (0 reflectance = 7273); float rasters hold reflectance
   already when their 99th percentile is below 2, else reflectance x 10000; 8-bit rasters hold
   uncalibrated DN and are refused (give the product folder or a factor).
The model then clips reflectance to [0, 1].
"""
from __future__ import annotations

import math
import os
import tarfile
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from engine.errors import InputError
from engine.io.landsat import parse_mtl

C2_L2_MULT, C2_L2_ADD = 2.75e-5, -0.2
SR_X10000 = 1e-4
_C2_L2_MEDIAN_DN = 7000  # Collection 2 L2 values: 7273 at 0 reflectance, ~10900 at 0.1
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")


@dataclass(frozen=True)
class Calibration:
    """Per-band reflectance = value * mult + add, and where the factors came from (an assumed scale
    is reported to the user as a note: a wrong one shifts every class silently)."""

    mult: tuple
    add: tuple
    source: str  # for people: where the factors came from

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """(bands, h, w) values -> float32 reflectance (invalid pixels are left to the caller)."""
        m = np.asarray(self.mult, np.float64).reshape(-1, 1, 1)
        a = np.asarray(self.add, np.float64).reshape(-1, 1, 1)
        return (raw.astype(np.float64) * m + a).astype(np.float32)


def calibration_for(path: str, scene, band_indices: Sequence[int],
                    scale: Optional[float] = None) -> Calibration:
    """Reflectance factors for the bands `band_indices` (0-based) of `scene` opened from `path`."""
    n = len(band_indices)
    if scale is not None:
        if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
            raise InputError(f"reflectance scale must be a positive number, got {scale!r}")
        return Calibration((float(scale),) * n, (0.0,) * n, f"user factor {scale:g}")
    names = [scene.profile.band_names[i] for i in band_indices]
    mtl = _product_mtl(path)
    if mtl is not None:
        return _from_mtl(parse_mtl(mtl), names)
    tagged = _from_tags(path, band_indices)
    if tagged is not None:
        return tagged
    return _from_dtype(scene, band_indices)


def _product_mtl(path: str) -> Optional[str]:
    path = os.fspath(path)
    if os.path.isdir(path):
        mtls = sorted(f for f in os.listdir(path) if f.upper().endswith("_MTL.TXT"))
        return _read(os.path.join(path, mtls[0])) if mtls else None
    if path.upper().endswith("_MTL.TXT"):
        return _read(path)
    if path.lower().endswith(_TAR_SUFFIXES):
        try:
            with tarfile.open(path) as tar:
                for m in tar.getmembers():
                    if m.isfile() and m.name.upper().endswith("_MTL.TXT"):
                        return tar.extractfile(m).read().decode("utf-8", "replace")
        except (tarfile.TarError, OSError):
            return None
    return None


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()


def _from_mtl(meta: dict, names: Sequence[str]) -> Calibration:
    """MTL factors; Level-2 keys come first in Collection 2 MTLs, so parse_mtl's first-wins
    lookup returns surface-reflectance factors for Level-2 and TOA factors for Level-1."""
    level2 = meta.get("PROCESSING_LEVEL", meta.get("DATA_TYPE", "")).upper().startswith("L2")
    mult, add = [], []
    for name in names:
        number = str(name).split()[0].lstrip("Bb")
        try:
            m = float(meta[f"REFLECTANCE_MULT_BAND_{number}"])
            a = float(meta[f"REFLECTANCE_ADD_BAND_{number}"])
        except (KeyError, ValueError):
            raise InputError(f"the product's MTL has no reflectance factors for band {name}; "
                             "give a factor with --reflectance-scale") from None
        if not level2:
            try:
                sun = math.sin(math.radians(float(meta["SUN_ELEVATION"])))
            except (KeyError, ValueError):
                raise InputError("the product's MTL has no SUN_ELEVATION") from None
            m, a = m / sun, a / sun
        mult.append(m)
        add.append(a)
    kind = "surface reflectance" if level2 else "top-of-atmosphere reflectance"
    return Calibration(tuple(mult), tuple(add), f"MTL {kind} factors")


def _from_tags(path: str, band_indices: Sequence[int]) -> Optional[Calibration]:
    import rasterio

    try:
        with rasterio.open(path) as ds:
            scales = [ds.scales[i] for i in band_indices]
            offsets = [ds.offsets[i] for i in band_indices]
    except Exception:  # not a single raster (product parts are handled by the MTL branch)
        return None
    if all(s == 1.0 for s in scales) and all(o == 0.0 for o in offsets):
        return None
    return Calibration(tuple(map(float, scales)), tuple(map(float, offsets)),
                       "the raster's scale/offset tags")


def _from_dtype(scene, band_indices: Sequence[int]) -> Calibration:
    dtype = np.dtype(scene.profile.dtype)
    n = len(band_indices)
    if dtype == np.uint8:
        raise InputError("8-bit rasters hold uncalibrated digital numbers, not reflectance; give "
                         "the Landsat product folder (its MTL calibrates them) or "
                         "--reflectance-scale FACTOR")
    if np.issubdtype(dtype, np.floating) or dtype == np.uint16:
        sample = scene.read_decimated(512)
        invalid = scene.invalid_decimated(sample)
        values = np.concatenate([sample[i][~invalid[i]] for i in band_indices])
        if values.size == 0:
            raise InputError("no valid pixels to calibrate (everything is nodata)")
        if np.issubdtype(dtype, np.floating):
            if np.percentile(values, 99) < 2.0:
                return Calibration((1.0,) * n, (0.0,) * n, "float reflectance as stored")
            return Calibration((SR_X10000,) * n, (0.0,) * n, "float reflectance x 10000 (assumed)")
        if np.median(values) > _C2_L2_MEDIAN_DN:
            return Calibration((C2_L2_MULT,) * n, (C2_L2_ADD,) * n,
                               "Collection 2 Level-2 coding (assumed from the values)")
    return Calibration((SR_X10000,) * n, (0.0,) * n,
                       f"{dtype.name} reflectance x 10000 (assumed from the pixel type)")
