"""Landsat product folders: parse the MTL, stack the reflective bands, find the QA band, and
rebuild georeferencing from the MTL when the band files carry none (e.g. cropped products)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

from rasterio.crs import CRS
from rasterio.transform import Affine

from engine.errors import InputError

# Reflective bands that share the 30 m grid, with the names users know them by.
_TM_ETM_BANDS = {1: "blue", 2: "green", 3: "red", 4: "nir", 5: "swir1", 7: "swir2"}
_OLI_BANDS = {1: "coastal", 2: "blue", 3: "green", 4: "red", 5: "nir", 6: "swir1", 7: "swir2"}
_QA_KEYS = ("FILE_NAME_QUALITY_L1_PIXEL", "FILE_NAME_BAND_QUALITY")
_KEY = re.compile(r"[A-Z0-9_]+")
# Real MTL files are 10-40 kB with lines under 200 characters; anything far larger is not one,
# and reading it whole (from a tarball, say) would let a crafted file take all the memory.
MAX_MTL_BYTES = 1 << 20
MAX_MTL_LINE = 4096


def read_mtl(fileobj, name: str) -> str:
    """Text of an MTL from a binary file object, read no further than MAX_MTL_BYTES."""
    raw = fileobj.read(MAX_MTL_BYTES + 1)
    if len(raw) > MAX_MTL_BYTES:
        raise InputError(f"{name} is larger than {MAX_MTL_BYTES >> 20} MB: not a Landsat MTL file")
    return raw.decode("utf-8", "replace")


def parse_mtl(text: str) -> dict:
    """Flat KEY -> value dictionary of an MTL (ODL) file; the first occurrence of a key wins.

    Split on the first '=' rather than matched by a regular expression: a backtracking pattern
    over the value made a long line cost quadratic time."""
    meta: dict = {}
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_MTL_LINE:
            raise InputError(f"MTL line {number} is {len(line)} characters long: "
                             "not a Landsat MTL file")
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _KEY.fullmatch(key) or key in ("GROUP", "END_GROUP"):
            continue
        meta.setdefault(key, value.strip().strip('"'))
    if "SPACECRAFT_ID" not in meta:
        raise InputError("not a Landsat MTL file (no SPACECRAFT_ID)")
    return meta


@dataclass(frozen=True)
class ProductLayout:
    """Which files of a product make the scene, in band order."""

    band_files: tuple  # ((band_number, name, file_name), ...)
    qa_file: Optional[str]
    spacecraft: str


def product_layout(meta: dict, available: set) -> ProductLayout:
    """Reflective bands and QA listed by the MTL and present among `available` file names."""
    spacecraft = meta["SPACECRAFT_ID"]
    names = _OLI_BANDS if spacecraft in ("LANDSAT_8", "LANDSAT_9") else _TM_ETM_BANDS
    bands = []
    for number, name in names.items():
        fname = meta.get(f"FILE_NAME_BAND_{number}")
        if fname and fname in available:
            bands.append((number, name, fname))
    if not bands:
        raise InputError("the MTL lists no reflective band file that is present beside it")
    qa = next((meta[k] for k in _QA_KEYS if meta.get(k) in available), None)
    return ProductLayout(tuple(bands), qa, spacecraft)


def product_file_names(meta: dict) -> list:
    """Every file the MTL names as part of the product (all bands, QA, angles, metadata), read
    or not: none of them may be replaced by an output."""
    return sorted({v for k, v in meta.items() if "FILE_NAME" in k and v and "/" not in v})


def mtl_georeference(meta: dict, width: int, height: int) -> tuple:
    """(CRS, transform) from the MTL's UTM corners, which are pixel centres."""
    try:
        zone = int(meta["UTM_ZONE"])
        cell = float(meta.get("GRID_CELL_SIZE_REFLECTIVE", 30.0))
        ulx = float(meta["CORNER_UL_PROJECTION_X_PRODUCT"])
        uly = float(meta["CORNER_UL_PROJECTION_Y_PRODUCT"])
        lines = int(meta.get("REFLECTIVE_LINES", height))
        samples = int(meta.get("REFLECTIVE_SAMPLES", width))
    except (KeyError, ValueError):
        raise InputError("band files carry no georeferencing and the MTL has no UTM corners") from None
    if not 1 <= zone <= 60:
        raise InputError(f"the MTL gives UTM_ZONE {zone}; UTM zones are 1 to 60")
    if not (math.isfinite(cell) and cell > 0):
        raise InputError(f"the MTL gives GRID_CELL_SIZE_REFLECTIVE {cell:g}; "
                         "a pixel size must be a positive number of metres")
    if not (math.isfinite(ulx) and math.isfinite(uly)):
        raise InputError("the MTL's upper-left corner (CORNER_UL_PROJECTION_*) is not a number")
    if (lines, samples) != (height, width):
        raise InputError(f"band files carry no georeferencing and the MTL describes "
                         f"{samples} x {lines} px, not {width} x {height}")
    # USGS keeps WGS84 / UTM north zones in the southern hemisphere (negative northings).
    crs = CRS.from_epsg(32600 + zone)
    return crs, Affine(cell, 0.0, ulx - cell / 2, 0.0, -cell, uly + cell / 2)


def mtl_product_bounds(meta: dict) -> Optional[tuple]:
    """(left, bottom, right, top) of the product's frame from the MTL's projected corners
    (pixel centres), or None when the MTL lacks them."""
    try:
        cell = float(meta.get("GRID_CELL_SIZE_REFLECTIVE", 30.0))
        left = float(meta["CORNER_UL_PROJECTION_X_PRODUCT"]) - cell / 2
        top = float(meta["CORNER_UL_PROJECTION_Y_PRODUCT"]) + cell / 2
        right = float(meta["CORNER_LR_PROJECTION_X_PRODUCT"]) + cell / 2
        bottom = float(meta["CORNER_LR_PROJECTION_Y_PRODUCT"]) - cell / 2
    except (KeyError, ValueError):
        return None
    return (left, bottom, right, top)
