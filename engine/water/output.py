"""The class raster's layout (uint8, one band, nodata 0, colour table and class names inside
the GeoTIFF: band description, band metadata CLASS_0..CLASS_3, internal nearest overviews) and
the ground area of its pixels; the engine's one atomic writer writes it."""
from __future__ import annotations

import math

from engine.io.scene import SceneProfile
from engine.io.writer import PALETTED, LayerSpec
from engine.water.classes import BAND_DESCRIPTION, CLASS_COLOURS, CLASS_NAMES, NO_DATA


def class_layer(path: str, grid: SceneProfile, tags: dict) -> LayerSpec:
    """The class raster on `grid`: a palette keeps the GSW colours in any GIS, and the class
    names travel in the band metadata so the file explains itself without our style file."""
    profile = grid.with_changes(count=1, dtype="uint8", nodata=NO_DATA)
    return LayerSpec(path, profile, tags, descriptions=(BAND_DESCRIPTION,),
                     band_tags=({f"CLASS_{i}": n for i, n in enumerate(CLASS_NAMES)},),
                     colormap=CLASS_COLOURS, format=PALETTED)


def pixel_area_m2(grid: SceneProfile) -> float:
    """Ground area of one pixel in m2: exact for projected grids in linear units; for
    geographic grids, at the grid's centre latitude (spherical Earth, R = 6371 km)."""
    t = grid.transform
    cell = abs(t.a * t.e - t.b * t.d)
    if grid.crs is None:
        return cell  # assume metres (a plain array or an ungeoreferenced raster)
    if grid.crs.is_geographic:
        lat = (t * (grid.width / 2.0, grid.height / 2.0))[1]
        r = 6_371_000.0
        return cell * (math.pi / 180 * r) ** 2 * math.cos(math.radians(lat))
    try:
        factor = float(grid.crs.linear_units_factor[1])
    except Exception:  # unknown units: metres
        factor = 1.0
    return cell * factor * factor
