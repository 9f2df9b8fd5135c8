"""Which bands of a date are red, NIR and SWIR1: the model's band set, present in every
Landsat 4-9 product (TM/ETM+ B3, B4, B5; OLI B4, B5, B6).

In order of precedence: the user's 1-based band numbers (`--bands 3,4,5`); band descriptions
("B3 red", "B4 nir", "B5 swir1" as the engine names product bands, or any description holding
the words red / nir / swir1); a 3-band raster without such names is read as red, NIR, SWIR1.
"""
from __future__ import annotations

from typing import Optional, Sequence

from engine.errors import InputError
from engine.io.bands import mentions

BAND_SET = ("red", "nir", "swir1")


def parse_band_list(text: Optional[str]) -> Optional[tuple]:
    """"3,4,5" -> (3, 4, 5); None or "" -> None. Values are 1-based band numbers."""
    if text is None or not str(text).strip():
        return None
    try:
        values = tuple(int(v) for v in str(text).split(","))
    except ValueError:
        raise InputError(f"--bands must be three comma-separated band numbers (red,NIR,SWIR1), "
                         f"e.g. 3,4,5; got {text!r}") from None
    return values


def select_bands(band_names: Sequence[str], bands: Optional[Sequence[int]] = None,
                 label: str = "input") -> tuple:
    """0-based indices of (red, NIR, SWIR1) among `band_names`; InputError when unclear."""
    count = len(band_names)
    if bands is not None:
        return _user_bands(tuple(bands), count, label)
    found = {key: [i for i, n in enumerate(band_names) if mentions(n, key)] for key in BAND_SET}
    if all(len(v) == 1 for v in found.values()):
        idx = tuple(found[k][0] for k in BAND_SET)
        if len(set(idx)) == 3:
            return idx
    if count == 3 and not any(found.values()):
        return (0, 1, 2)
    names = ", ".join(f"{i + 1}: {n}" for i, n in enumerate(band_names))
    raise InputError(f"cannot tell which bands of {label} are red, NIR and SWIR1 (bands {names}); "
                     "choose them with --bands RED,NIR,SWIR1 (1-based, e.g. 3,4,5)")


def _user_bands(bands: tuple, count: int, label: str) -> tuple:
    if len(bands) != 3:
        raise InputError(f"--bands needs exactly three band numbers (red,NIR,SWIR1), "
                         f"got {len(bands)}")
    if len(set(bands)) != 3:
        raise InputError("--bands must name three different bands, got "
                         f"{','.join(map(str, bands))}")
    for b in bands:
        if not 1 <= b <= count:
            raise InputError(f"band {b} does not exist in {label}, which has {count} band(s)")
    return tuple(b - 1 for b in bands)

