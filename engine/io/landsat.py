"""Landsat product folders: parse the MTL, stack the reflective bands, find the QA band, and
rebuild georeferencing from the MTL when the band files carry none (e.g. cropped products)."""
from __future__ import annotations

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
_LINE = re.compile(r"^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$")


def parse_mtl(text: str) -> dict:
    """Flat KEY -> value dictionary of an MTL (ODL) file; the first occurrence of a key wins."""
    meta: dict = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m or m.group(1) in ("GROUP", "END_GROUP"):
            continue
        meta.setdefault(m.group(1), m.group(2).strip().strip('"'))
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
