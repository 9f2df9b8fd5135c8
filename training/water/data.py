"""The real multi-date scenes the water model learns from, with their teacher labels and their
train / held-out regions.

| scene | dates | product | cloud mask | teacher | regions |
|---|---|---|---|---|---|
| menindee | 2010-01-16, 02-01, 05-08 | L7 ETM+ SLC-off SR x10000 (ARG25) | provider's (nodata) | RNS | held out: rows 250-850, cols 1300-1900 |
| lethbridge | 2000-07-12 (L5), 08-21 (L7) | L1TP DN -> TOA | Fmask | RNS | held out: rows 150-550, cols 500-900 |
| corumba | 2019-08-09, 08-25 | L8 L1TP -> TOA | none needed (no cloud in the crop) | RNS | all for training |
| brumadinho | 2019-01-14, 01-30 | L8 L2SP SR | rows 0-119 dropped (cloud, shadow) | DSWE | rows 120-299 |
| maui | 2023-07-14, 08-31 | L9 L1TP -> TOA | cols 195+ dropped (cloud, shadow) | RNS | cols 0-194 |

Every scene becomes arrays on its first date's grid: `raw` (T, 3, H, W) red/NIR/SWIR1 in the
product's own units with cloud pixels burned in as nodata, and the teacher's per-date water.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import rasterio

from rasterio.windows import Window

from engine.gaps.validity import invalid_mask
from engine.io import open_scene
from engine.io.grid import align_array, same_grid
from engine.io.scene import SceneProfile
from engine.jobs.simulate import gap_nodata
from engine.water.bands import select_bands
from engine.water.radiometry import Calibration, calibration_for
from training.water.stack_menindee import DEFAULT_SRC as MENINDEE_SRC, stack_all
from training.water.teacher import teacher_water

SHARED = os.path.join("..", "shared", "data")
CACHE = os.path.join("out", "water_cache")
XLANDSAT = os.path.join(SHARED, "xlandsat_crops")

Box = tuple  # (row0, col0, row1, col1), end exclusive


@dataclass
class WaterScene:
    name: str
    dates: list
    raw: np.ndarray                 # (T, 3, H, W) native units, nodata where invalid
    profile: SceneProfile           # 3-band profile of the first date (grid, nodata, zero fill)
    calibrations: list              # one Calibration per date
    water: np.ndarray               # (T, H, W) teacher water per date
    rules: list                     # teacher rule per date ("rns" / "dswe")
    allowed: Box                    # region usable at all (cloud-free part)
    test_box: Optional[Box] = None  # held out from training
    notes: list = field(default_factory=list)

    @property
    def shape(self) -> tuple:
        return self.raw.shape[-2:]

    def invalid(self, raw: Optional[np.ndarray] = None) -> np.ndarray:
        """(T, H, W) True where a date has no measurement (any of the 3 bands)."""
        raw = self.raw if raw is None else raw
        return np.stack([invalid_mask(r, self.profile.nodata, self.profile.zero_fill).any(0)
                         for r in raw])

    def reflectance(self, raw: Optional[np.ndarray] = None, window: Optional[Box] = None):
        """(refl (T, 3, h, w) float32 with invalid pixels 0, valid (T, h, w))."""
        raw = self.raw if raw is None else raw
        if window is not None:
            r0, c0, r1, c1 = window
            raw = raw[..., r0:r1, c0:c1]
        invalid = self.invalid(raw)
        refl = np.stack([c.apply(r) for c, r in zip(self.calibrations, raw)])
        refl[np.broadcast_to(invalid[:, None], refl.shape)] = 0.0
        return refl, ~invalid


def load_menindee(src: str = MENINDEE_SRC) -> WaterScene:
    folder = os.path.join(CACHE, "menindee")
    paths = sorted(glob.glob(os.path.join(folder, "menindee_2010*.tif")))
    if len(paths) != 3:
        paths = stack_all(src, folder)
    scene = _load_dates("menindee", paths, clouds=[None] * 3)
    scene.allowed = (0, 0) + scene.shape
    scene.test_box = (250, 1300, 850, 1900)
    return scene


def load_lethbridge() -> WaterScene:
    base = os.path.join(SHARED, "lethbridge_2000")
    paths = [os.path.join(base, "LT05"), os.path.join(base, "LE07")]
    clouds = [glob.glob(os.path.join(p, "*_fmask.tif"))[0] for p in paths]
    scene = _load_dates("lethbridge", paths, clouds)
    scene.allowed = (0, 0) + scene.shape
    scene.test_box = (150, 500, 550, 900)
    return scene


def load_xlandsat(name: str, pattern: str, allowed: Optional[Box] = None) -> WaterScene:
    paths = sorted(glob.glob(os.path.join(XLANDSAT, pattern)))
    scene = _load_dates(name, paths, clouds=[None] * len(paths))
    scene.allowed = allowed or (0, 0) + scene.shape
    return scene


def load_all(names=("menindee", "lethbridge", "corumba", "brumadinho", "maui")) -> list:
    loaders = {
        "menindee": load_menindee,
        "lethbridge": load_lethbridge,
        "corumba": lambda: load_xlandsat("corumba", "LC08_L1TP_227074_2019*.tar.gz"),
        "brumadinho": lambda: load_xlandsat("brumadinho", "LC08_L2SP_218074_2019*.tar.gz",
                                            (120, 0, 300, 400)),
        "maui": lambda: load_xlandsat("maui", "LC09_L1TP_063046_2023*.tar.gz", (0, 0, 367, 195)),
    }
    return [loaders[n]() for n in names]


def _load_dates(name: str, paths: list, clouds: list) -> WaterScene:
    raws, cals, waters, rules, dates = [], [], [], [], []
    ref = None
    for path, cloud in zip(paths, clouds):
        with open_scene(path) as scene:
            p = scene.profile
            full = scene.read(Window(0, 0, p.width, p.height))
            invalid = scene.invalid(Window(0, 0, p.width, p.height), full).any(0)
            all_idx = tuple(range(p.count))
            cal_all = calibration_for(path, scene, all_idx)
            idx = select_bands(p.band_names, None, path)
            names = [n.split()[-1].lower() for n in p.band_names]
            dates.append(p.tags.get("DATE_ACQUIRED", os.path.basename(path)))
        nodata = gap_nodata(p)
        full = full.copy()
        full[:, invalid] = np.asarray(nodata).astype(full.dtype)
        clear = _read_clear(cloud, p)
        if ref is None:
            ref = p
        elif not same_grid(ref, p):
            full = align_array(full, p, ref, nodata)
        refl = cal_all.apply(full)
        bad = invalid_mask(full, nodata, p.zero_fill).any(0)
        water, rule = teacher_water(dict(zip(names, refl)), "surface" in cal_all.source)
        water &= ~bad
        if clear is not None:
            # The Lethbridge masks are "clear land": 0 = cloud, shadow, snow OR water, so
            # teacher water inside them stays valid and everything else there is masked.
            cloudy = ~clear & ~water
            full[:, cloudy] = np.asarray(nodata).astype(full.dtype)
        raws.append(full[list(idx)])
        cals.append(Calibration(tuple(cal_all.mult[i] for i in idx),
                                tuple(cal_all.add[i] for i in idx), cal_all.source))
        waters.append(water)
        rules.append(rule)
    profile = ref.with_changes(count=3, band_names=("red", "nir", "swir1"),
                               nodata=gap_nodata(ref))
    return WaterScene(name, dates, np.stack(raws), profile, cals, np.stack(waters), rules,
                      allowed=(0, 0, ref.height, ref.width))


def _read_clear(path: Optional[str], p: SceneProfile):
    """Fmask-style clear mask (1 = clear) on the scene's grid, or None."""
    if path is None:
        return None
    with rasterio.open(path) as ds:
        if (ds.width, ds.height) != (p.width, p.height):
            raise ValueError(f"{path} is not on the grid of its product")
        return ds.read(1) == 1


