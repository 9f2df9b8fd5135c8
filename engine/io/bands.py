"""Which band is which across sensors, so a reference date from another Landsat sensor is matched
band by band to the target (OLI B2-B7 are TM/ETM+ B1-B5, B7: same names, other numbers).

A band's canonical name (coastal, blue, green, red, nir, swir1, swir2) comes, in this order,
from its description (the engine names product bands "B3 red"; any description holding one of
those words, e.g. "Red", "NIR08", "SWIR 1"), or from a Landsat band file name (LC08_..._B4.TIF,
LE70410272007125EDC00_B3.TIF), or from "B<n>" / "band <n>" with the product's spacecraft.
"""
from __future__ import annotations

import os
import re
from typing import Optional, Sequence

from engine.errors import InputError
from engine.io.landsat import _OLI_BANDS, _TM_ETM_BANDS

CANONICAL = ("coastal", "blue", "green", "red", "nir", "swir1", "swir2")

# name -> (whole words, phrases) that mean it in a band description
_ALIASES = {
    "coastal": ({"coastal", "aerosol"}, ()),
    "blue": ({"blue"}, ()),
    "green": ({"green"}, ()),
    "red": ({"red"}, ()),
    "nir": ({"nir", "nir08"}, ("near infrared", "near-infrared")),
    "swir1": ({"swir1", "swir16"}, ("swir 1", "swir-1", "shortwave infrared 1")),
    "swir2": ({"swir2", "swir22"}, ("swir 2", "swir-2", "shortwave infrared 2")),
}
_OLI_CRAFT = ("LANDSAT_8", "LANDSAT_9")
# Collection product ids (LC08_...) and pre-collection scene ids (LE70410272007125EDC00).
_FILE_SENSOR = re.compile(r"^L([COTEM])0?([4-9])")
_FILE_BAND = re.compile(r"_B(\d{1,2})\.TIF$", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(?:b|band)\s*(\d{1,2})\s*$", re.IGNORECASE)


def mentions(description: str, name: str) -> bool:
    """True if `description` names the band `name` (one of CANONICAL) in any usual spelling."""
    text = str(description).lower()
    tokens, phrases = _ALIASES[name]
    words = set(re.split(r"[^a-z0-9]+", text))
    return bool(words & tokens) or any(p in text for p in phrases)


def landsat_band_name(spacecraft: str, number: int) -> Optional[str]:
    """Canonical name of reflective band `number` of a Landsat spacecraft ("LANDSAT_8", ...)."""
    table = _OLI_BANDS if str(spacecraft).upper() in _OLI_CRAFT else _TM_ETM_BANDS
    return table.get(int(number))


def name_from_file(path: str) -> Optional[str]:
    """Canonical name from a Landsat band file name; None if it is not one."""
    base = os.path.basename(str(path))
    sensor, band = _FILE_SENSOR.match(base.upper()), _FILE_BAND.search(base)
    if not sensor or not band:
        return None
    craft = "LANDSAT_8" if sensor.group(2) in ("8", "9") else f"LANDSAT_{sensor.group(2)}"
    return landsat_band_name(craft, int(band.group(1)))


def canonical_name(description: str, spacecraft: str = "") -> Optional[str]:
    """The one canonical band a description names, else None (none or several named)."""
    found = [n for n in CANONICAL if mentions(description, n)]
    if len(found) == 1:
        return found[0]
    from_file = name_from_file(description)
    if from_file:
        return from_file
    numbered = _NUMBERED.match(str(description))
    if numbered and spacecraft:
        return landsat_band_name(spacecraft, int(numbered.group(1)))
    return None


def canonical_names(band_names: Sequence[str], spacecraft: str = "") -> tuple:
    """canonical_name of each band (None where unknown); `spacecraft` is the product's
    SPACECRAFT_ID (SceneProfile.tags) when known."""
    return tuple(canonical_name(n, spacecraft) for n in band_names)


def match_bands(target: Sequence[Optional[str]], reference: Sequence[Optional[str]],
                label: str = "the reference") -> tuple:
    """For each target band, the index of the reference band with the same canonical name, or
    None when the reference lacks it. When one side has no recognisable band name at all and
    both have the same band count, they are taken band for band (the user stacked them alike). InputError when no band is
    shared."""
    if (not any(target) or not any(reference)) and len(target) == len(reference):
        return tuple(range(len(target)))
    where = {}
    for i, name in enumerate(reference):
        if name is not None:
            where.setdefault(name, i)
    matched = tuple(where.get(name) if name is not None else None for name in target)
    if all(m is None for m in matched):
        t = ", ".join(n or "?" for n in target)
        r = ", ".join(n or "?" for n in reference)
        raise InputError(f"{label} shares no band with the target (target bands: {t}; "
                         f"reference bands: {r}); name the bands in the band descriptions")
    return matched
