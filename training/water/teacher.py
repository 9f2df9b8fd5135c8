"""Teacher labels: a per-date spectral water test on clean data, cloud/shadow/fill masked, combined
across dates into GSW seasonality classes (engine.water.classes.seasonality).

Two tests, chosen per product (docs/water.md gives the reasoning and the measured agreement):

* DSWE (USGS Dynamic Surface Water Extent, Jones 2015 and 2019; thresholds of the USGS
  algorithm description) for surface-reflectance products with blue, green, red, NIR, SWIR1 and
  SWIR2: water = "high" or "moderate confidence" = at least 3 of its 5 tests pass.
* RNS, a red/NIR/SWIR1 test, where green or surface reflectance is missing (Menindee: bands
  3, 4, 5 only; Level-1 top-of-atmosphere products, on which DSWE calls fresh burn scars water):
  ND(red, SWIR1) > 0.10 (the red/SWIR1 "NDWI" of Rogers & Kearney 2004), SWIR1 < 0.10 (water
  is dark in SWIR1, as DSWE's partial-surface-water test 1 asks, < 0.09) and NIR < 0.35 (keeps
  snow, ice and cloud cores out; turbid Menindee water stays below 0.31).
"""
from __future__ import annotations

import numpy as np

from engine.water.classes import seasonality

# RNS (red / NIR / SWIR1) thresholds, reflectance units.
RNS_ND_RED_SWIR1_MIN = 0.10
RNS_SWIR1_MAX = 0.10
RNS_NIR_MAX = 0.35

# DSWE defaults (USGS algorithm description; reflectance units, i.e. the x10000 values / 1e4).
DSWE = dict(wigt=0.0124, awgt=0.0, pswt1_mndwi=-0.44, pswt1_swir1=0.09, pswt1_nir=0.15,
            pswt1_ndvi=0.7, pswt2_mndwi=-0.5, pswt2_blue=0.10, pswt2_nir=0.25,
            pswt2_swir1=0.30, pswt2_swir2=0.10)
DSWE_MIN_TESTS = 3


def _nd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (a - b) / (a + b)
    return np.nan_to_num(out, nan=-1.0, posinf=-1.0, neginf=-1.0)


def water_rns(red: np.ndarray, nir: np.ndarray, swir1: np.ndarray) -> np.ndarray:
    """Per-date water from red, NIR, SWIR1 reflectance (any shape)."""
    return ((_nd(red, swir1) > RNS_ND_RED_SWIR1_MIN) & (swir1 < RNS_SWIR1_MAX)
            & (nir < RNS_NIR_MAX))


def dswe_tests(blue, green, red, nir, swir1, swir2) -> np.ndarray:
    """Number of DSWE tests passed (0-5) per pixel."""
    d = DSWE
    mndwi, ndvi = _nd(green, swir1), _nd(nir, red)
    awesh = blue + 2.5 * green - 1.5 * (nir + swir1) - 0.25 * swir2
    tests = [mndwi > d["wigt"],
             (green + red) > (nir + swir1),
             awesh > d["awgt"],
             (mndwi > d["pswt1_mndwi"]) & (swir1 < d["pswt1_swir1"]) & (nir < d["pswt1_nir"])
             & (ndvi < d["pswt1_ndvi"]),
             (mndwi > d["pswt2_mndwi"]) & (blue < d["pswt2_blue"]) & (nir < d["pswt2_nir"])
             & (swir1 < d["pswt2_swir1"]) & (swir2 < d["pswt2_swir2"])]
    return sum(t.astype(np.uint8) for t in tests)


def water_dswe(blue, green, red, nir, swir1, swir2) -> np.ndarray:
    return dswe_tests(blue, green, red, nir, swir1, swir2) >= DSWE_MIN_TESTS


def teacher_water(bands: dict, surface_reflectance: bool) -> tuple:
    """(water, rule name) for one date; `bands` maps names (blue, green, red, nir, swir1,
    swir2) to reflectance arrays."""
    full = all(k in bands for k in ("blue", "green", "red", "nir", "swir1", "swir2"))
    if surface_reflectance and full:
        return water_dswe(*(bands[k] for k in ("blue", "green", "red", "nir", "swir1",
                                                "swir2"))), "dswe"
    return water_rns(bands["red"], bands["nir"], bands["swir1"]), "rns"


def rule_classes(refl: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The RNS rule applied to a model input (refl (T, 3, H, W) red/NIR/SWIR1, valid (T, H, W)):
    the "teacher rule on corrupted / imputed inputs" baseline."""
    water = water_rns(refl[:, 0], refl[:, 1], refl[:, 2])
    return seasonality(water, valid)
