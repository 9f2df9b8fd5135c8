"""When a scene was acquired: reference dates are weighed by how far apart in time they are
(a day-old reference shows the same fields; one from another year may not), and a time series
is ordered by it. Read from the product metadata, else from Landsat's scene and product
identifiers or a YYYYMMDD stamp in the file name."""
from __future__ import annotations

import datetime as dt
import os
import re
from typing import Optional

from engine.io.scene import SceneProfile

# LE07_L1TP_041025_20000821_20170210_01_T1 (Collection 1/2 product id): acquisition date 4th
_PRODUCT_ID = re.compile(r"L[CEOTM]0\d_L\w{3}_\d{6}_(\d{8})_")
# LE70410272007125EDC00 (pre-collection scene id): year and day of year
_SCENE_ID = re.compile(r"L[CEOTM]\d(\d{6})(\d{4})(\d{3})[A-Z]{3}\d{2}")
_STAMP = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_TAG_KEYS = ("DATE_ACQUIRED", "ACQUISITION_DATE", "ACQUISITIONDATE")


def acquisition_date(profile: SceneProfile, path: str) -> Optional[dt.date]:
    """The acquisition date, or None when neither metadata nor the name tells it."""
    for key in _TAG_KEYS:
        parsed = _iso(str(profile.tags.get(key, "")))
        if parsed:
            return parsed
    name = os.path.basename(os.path.normpath(os.fspath(path)))
    m = _PRODUCT_ID.search(name)
    if m:
        return _yyyymmdd(m.group(1))
    m = _SCENE_ID.search(name)
    if m:
        try:
            return dt.date(int(m.group(2)), 1, 1) + dt.timedelta(days=int(m.group(3)) - 1)
        except ValueError:
            return None
    for m in _STAMP.finditer(name):
        parsed = _yyyymmdd("".join(m.groups()))
        if parsed:
            return parsed
    return None


def days_apart(target: Optional[dt.date], reference: Optional[dt.date]) -> tuple:
    """(signed days target - reference, day-of-year difference wrapped to [-182, 182]); NaN
    for both when either date is unknown."""
    if target is None or reference is None:
        return float("nan"), float("nan")
    days = float((target - reference).days)
    doy = (target.timetuple().tm_yday - reference.timetuple().tm_yday + 182) % 365 - 182
    return days, float(doy)


def _iso(text: str) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(text.strip().strip('"')[:10])
    except ValueError:
        return None


def _yyyymmdd(text: str) -> Optional[dt.date]:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None
