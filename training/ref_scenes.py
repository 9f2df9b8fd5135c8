"""Real multi-date data for the reference-conditioned model: groups of co-registered scenes of
one place (one region each), loaded as the runner will see them (each date normalised with its
OWN 1-99 % statistics, validity from its own nodata: gaps, clouds, fill), cut to the grid all
dates of the group share, with band names reduced to what they measure (so Landsat 8 B2 blue
matches Landsat 5/7 B1 blue).

Every source is in `../shared/data` (see docs/models.md, "Reference-conditioned ConvCNP").
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import numpy as np

from training.regions import XL, SceneSpec
from training.scenes import DEFAULT_CACHE, DEFAULT_DATA, LoadedScene, load_scene

MENINDEE_SRC = "menindee_l7_slcoff_2010"


@dataclass(frozen=True)
class DatedSpec:
    spec: SceneSpec
    date: str            # acquisition date, ISO
    menindee: bool = False  # per-band NetCDF files, stacked into the cache first


def _shared(name, region, path, sensor, date):
    return DatedSpec(SceneSpec(name, region, "shared", path, sensor), date)


def _menindee(date):
    return DatedSpec(SceneSpec(f"menindee_{date}", "menindee", "shared", f"menindee_{date}.tif",
                               "L7 ETM+ SLC-off"), f"{date[:4]}-{date[4:6]}-{date[6:]}", True)


GROUPS = {
    "lethbridge": (
        _shared("lethbridge_le07_2000", "lethbridge", "lethbridge_2000/LE07", "L7 ETM+", "2000-08-21"),
        _shared("lethbridge_lt05_2000", "lethbridge", "lethbridge_2000/LT05", "L5 TM", "2000-07-12"),
    ),
    "flathead": (
        _shared("flathead_lt05_1997", "flathead", "flathead_3dates/LT05_1997", "L5 TM", "1997-06-02"),
        _shared("flathead_le07_2007", "flathead", "flathead_3dates/LE07_2007", "L7 ETM+", "2007-05-05"),
        _shared("flathead_lc08_2015", "flathead", "flathead_3dates/LC08_2015", "L8 OLI", "2015-06-04"),
    ),
    "menindee": tuple(_menindee(d) for d in ("20100116", "20100201", "20100508")),
    "pantanal": (
        _shared("pantanal_20190809", "pantanal", XL + "LC08_L1TP_227074_20190809_20200827_02_T1-cropped.tar.gz", "L8 OLI", "2019-08-09"),
        _shared("pantanal_20190825", "pantanal", XL + "LC08_L1TP_227074_20190825_20200826_02_T1-cropped.tar.gz", "L8 OLI", "2019-08-25"),
    ),
    "brumadinho": (
        _shared("brumadinho_20190114", "brumadinho", XL + "LC08_L2SP_218074_20190114_20200829_02_T1-cropped.tar.gz", "L8 OLI", "2019-01-14"),
        _shared("brumadinho_20190130", "brumadinho", XL + "LC08_L2SP_218074_20190130_20200829_02_T1-cropped.tar.gz", "L8 OLI", "2019-01-30"),
    ),
    "maui": (
        _shared("maui_20230714", "maui", XL + "LC09_L1TP_063046_20230714_20230714_02_T1-cropped.tar.gz", "L9 OLI-2", "2023-07-14"),
        _shared("maui_20230831", "maui", XL + "LC09_L1TP_063046_20230831_20230901_02_T1-cropped.tar.gz", "L9 OLI-2", "2023-08-31"),
    ),
}
# the held-out region: never seen by the shipped single-image ConvCNP either (its fold 0), so
# the comparison with it is fair; 40 days apart, Landsat 7 against Landsat 5
HELD_OUT = "lethbridge"


def band_key(name: str) -> str:
    """'B2 blue' -> 'blue': what a band measures, the same across Landsat 5, 7, 8 and 9."""
    return name.split()[-1].lower()


@dataclass
class DatedScene:
    name: str
    region: str
    sensor: str
    date: dt.date
    bands: tuple         # band keys ('blue', 'red', ...)
    values: np.ndarray   # float32 (bands, h, w) normalised by the scene's own statistics
    valid: np.ndarray    # bool (bands, h, w)
    profile: object = None


def days_apart(target: dt.date, ref: dt.date) -> tuple:
    """(signed days target - reference, day-of-year difference wrapped to [-182, 182])."""
    days = (target - ref).days
    doy = target.timetuple().tm_yday - ref.timetuple().tm_yday
    doy = (doy + 182) % 365 - 182
    return days, doy


def _stack_menindee(data_root: str, cache: str) -> str:
    from training.water.stack_menindee import stack_all

    out = os.path.join(cache, "menindee_stacked")
    if not all(os.path.exists(os.path.join(out, f"menindee_{d}.tif"))
               for d in ("20100116", "20100201", "20100508")):
        src = os.path.join(data_root, MENINDEE_SRC)
        if not os.path.isdir(src):
            raise SystemExit(f"{src}: no such folder (the shared Landsat data, see --data)")
        stack_all(src, out)
    return out


def _shared_window(profiles) -> list:
    """Per scene (row, col) slices of the part of the grid every scene covers (same CRS and
    pixel size, origins on the same 30 m lattice: the co-registered products here)."""
    ts = [p.transform for p in profiles]
    res = ts[0].a
    for p, t in zip(profiles, ts):
        if p.crs != profiles[0].crs or abs(t.a - res) > 1e-6 or abs(t.e + res) > 1e-6:
            raise SystemExit(f"scenes of one group are not on one grid ({p.crs}, {t})")
    x0 = max(t.c for t in ts)
    y0 = min(t.f for t in ts)
    x1 = min(t.c + p.width * res for p, t in zip(profiles, ts))
    y1 = max(t.f - p.height * res for p, t in zip(profiles, ts))
    w, h = round((x1 - x0) / res), round((y0 - y1) / res)
    out = []
    for t in ts:
        c, r = round((x0 - t.c) / res), round((t.f - y0) / res)
        out.append((slice(r, r + h), slice(c, c + w)))
    return out


def load_group(region: str, data_root: str = DEFAULT_DATA, cache: str = DEFAULT_CACHE) -> list:
    """The dated scenes of a region on their common grid, oldest first."""
    loaded = []
    for ds in GROUPS[region]:
        root = _stack_menindee(data_root, cache) if ds.menindee else data_root
        s: LoadedScene = load_scene(ds.spec, data_root=root, cache=cache)
        loaded.append((ds, s))
    windows = _shared_window([s.profile for _, s in loaded])
    out = []
    for (ds, s), (rs, cs) in zip(loaded, windows):
        out.append(DatedScene(ds.spec.name, region, ds.spec.sensor,
                              dt.date.fromisoformat(ds.date),
                              tuple(band_key(n) for n in s.band_names),
                              np.ascontiguousarray(s.values[:, rs, cs]),
                              np.ascontiguousarray(s.valid[:, rs, cs]), s.profile))
    return sorted(out, key=lambda d: d.date)


def load_groups(regions, data_root: str = DEFAULT_DATA, cache: str = DEFAULT_CACHE) -> dict:
    return {r: load_group(r, data_root, cache) for r in regions}


def train_regions(held_out: str = HELD_OUT) -> list:
    return [r for r in GROUPS if r != held_out]


def matched_bands(target: DatedScene, ref: DatedScene, bands) -> tuple:
    """The reference's values and validity for the target's band indices `bands`, matched by
    what they measure; a band the reference lacks is unknown everywhere."""
    h, w = target.values.shape[1:]
    vals = np.zeros((len(bands), h, w), np.float32)
    valid = np.zeros((len(bands), h, w), bool)
    for i, b in enumerate(bands):
        key = target.bands[b]
        if key in ref.bands:
            j = ref.bands.index(key)
            vals[i], valid[i] = ref.values[j], ref.valid[j]
    return vals, valid
