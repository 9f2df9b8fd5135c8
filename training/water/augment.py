"""Corrupted and imputed versions of a scene's dates: simulated SLC-off gaps (the engine's
simulator, real Landsat 7 geometry) burned in as nodata, and those gaps filled by the engine's
own runner with each fill method, exactly as `python -m engine fill` would (methods that fill
from other dates get the scene's other dates, as `python -m engine water` gives them)."""
from __future__ import annotations

import datetime as dt
import os
from typing import Optional, Sequence, Tuple

import numpy as np

from engine.gaps.simulate import burn_gaps, mask_with_gaps, simulate_slc_off_mask
from engine.io import ArrayScene
from engine.io.acquisition import days_apart
from engine.io.writer import ArraySink
from engine.jobs.evaluate import ArrayMask
from engine.jobs.simulate import geometry_for
from engine.methods import get_method
from engine.references import ReferenceDate
from engine.runner import RunOptions, fill_scene
from engine.stats import scene_stats
from training.water.data import CACHE, WaterScene

CLASSICAL = ("idw", "navier-stokes", "telea")
MIN_GAP_FRACTION = 0.10   # skip swath-centre placements whose gaps are under 2 px wide
_SEED_STEP = 7919


def gap_mask(scene: WaterScene, date: int, seed: int) -> np.ndarray:
    """Seeded simulated SLC-off mask (True = gap) for one date of a scene; each date has its own
    stripes, as real acquisitions do. Placements with < 10 % gaps are skipped."""
    h, w = scene.shape
    geometry = geometry_for(scene.profile)
    return mask_with_gaps(
        lambda k: simulate_slc_off_mask(h, w, geometry,
                                        seed=seed * 1000 + date * 97 + k * _SEED_STEP),
        MIN_GAP_FRACTION, 50, strict=True, what=scene.name)


def corrupt(scene: WaterScene, date: int, mask: np.ndarray,
            raw: Optional[np.ndarray] = None) -> np.ndarray:
    raw = scene.raw[date] if raw is None else raw
    return burn_gaps(raw, mask, scene.profile.nodata)


def fill(scene: WaterScene, raw: np.ndarray, method: str, *, only: Optional[np.ndarray] = None,
         device: str = "cpu", date: Optional[str] = None,
         others: Sequence[Tuple[np.ndarray, Optional[str]]] = ()) -> np.ndarray:
    """Fill one date (3, h, w) through the engine's runner. only=None: every gap the engine
    detects (real and simulated, as users get); else exactly the pixels of `only`. A method
    that fills from other dates gets `others` ((raw, acquisition date) of the scene's other
    dates, gaps and all, as the water job gives them), each normalised with its own
    statistics as the runner's references are; `date` is this date's acquisition date."""
    arr = ArrayScene(raw, scene.profile)
    sink = ArraySink(arr.profile)
    mask = ArrayMask(only) if only is not None else None
    refs = ([_reference(scene, o, date, d) for o, d in others]
            if get_method(method).uses_references else [])
    fill_scene(arr, sink, RunOptions(method, 512, device), mask=mask, references=refs)
    return sink.arrays["main"]


def _reference(scene: WaterScene, raw: np.ndarray, target_date, date) -> ReferenceDate:
    """Another date of the scene as the runner's reference: same grid and bands."""
    other = ArrayScene(raw, scene.profile)
    days, doy = days_apart(_date(target_date), _date(date))
    return ReferenceDate("", other, other, tuple(range(raw.shape[0])), scene_stats(other),
                         days, doy, None)


def _date(text: Optional[str]) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def imputed_variants(scene: WaterScene, methods=CLASSICAL, seeds=(0, 1)) -> list:
    """Per date, a list of (method, seed, filled raw) with simulated gaps burned in and then every
    detected gap filled; cached under out/water_cache/fills."""
    folder = os.path.join(CACHE, "fills")
    os.makedirs(folder, exist_ok=True)
    out = []
    for t in range(scene.raw.shape[0]):
        variants = []
        for seed in seeds:
            mask = None
            for method in methods:
                path = os.path.join(folder, f"{scene.name}_d{t}_{method}_s{seed}.npy")
                if not os.path.exists(path):
                    mask = gap_mask(scene, t, seed) if mask is None else mask
                    np.save(path, fill(scene, corrupt(scene, t, mask), method))
                variants.append((method, seed, np.load(path, mmap_mode="r")))
        out.append(variants)
    return out
