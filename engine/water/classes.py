"""Water classes in the Global Surface Water (GSW) yearly coding, and the rule that turns per-date
water maps into seasonality classes.

GSW (Pekel et al. 2016, Nature 540:418) codes each pixel of a year as 0 no observation,
1 not water, 2 seasonal water, 3 permanent water. With a few dates instead of twelve months:
no valid date -> 0; never water on its valid dates -> 1; water on some -> 2; water on all -> 3.
A pixel seen on one date only can therefore be 1 or 3, never 2.
"""
from __future__ import annotations

import numpy as np

NO_DATA, NOT_WATER, SEASONAL, PERMANENT = 0, 1, 2, 3
CLASS_NAMES = ("no data", "not water", "seasonal water", "permanent water")
# RGBA, GSW-like: no data transparent, not water light grey, seasonal light blue, permanent
# dark blue (the same colours as resources/styles/water_classes.qml).
CLASS_COLOURS = {
    NO_DATA: (0, 0, 0, 0),
    NOT_WATER: (217, 217, 217, 255),
    SEASONAL: (153, 217, 234, 255),
    PERMANENT: (11, 61, 145, 255),
}
BAND_DESCRIPTION = "water class (0 no data, 1 not water, 2 seasonal water, 3 permanent water)"


def seasonality(water: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """GSW class per pixel from per-date water maps.

    water, valid: bool arrays (dates, h, w). Returns uint8 (h, w) with codes 0-3.
    """
    water = np.asarray(water, bool) & np.asarray(valid, bool)
    n_valid = np.count_nonzero(valid, axis=0)
    n_water = np.count_nonzero(water, axis=0)
    out = np.full(n_valid.shape, NOT_WATER, np.uint8)
    out[(n_water > 0) & (n_water < n_valid)] = SEASONAL
    out[(n_water > 0) & (n_water == n_valid)] = PERMANENT
    out[n_valid == 0] = NO_DATA
    return out
