"""Gap masks for training crops: the engine's SLC-off simulator with a random latitude, swath
position and grid rotation, and (optionally) crops of a REAL SLC-off gap mask."""
from __future__ import annotations

import numpy as np
import rasterio

from engine.gaps.simulate import SlcOffGeometry, mask_with_gaps, simulate_slc_off_mask

MIN_GAP_FRACTION = 0.05
MAX_TRIES = 30
REAL_MASK = "tests/data/menindee_20100116_gapmask.tif"


def load_real_mask(path: str = REAL_MASK) -> np.ndarray:
    with rasterio.open(path) as ds:
        return ds.read(1) > 0


def simulated_mask(rng: np.random.Generator, size: int, pixel_size_m: float = 30.0) -> np.ndarray:
    """A size x size SLC-off mask somewhere in a swath at a random latitude (|lat| <= 60)."""
    def draw(_):
        geometry = SlcOffGeometry(pixel_size_m=pixel_size_m,
                                  latitude_deg=float(rng.uniform(-60, 60)),
                                  grid_rotation_deg=float(rng.uniform(-5, 5)))
        limit = max(0.0, 1.0 - geometry.u_half_extent(size, size))
        u = float(rng.uniform(-limit, limit))
        return simulate_slc_off_mask(size, size, geometry, seed=int(rng.integers(2 ** 31)),
                                     center_u=u)
    return mask_with_gaps(draw, MIN_GAP_FRACTION, MAX_TRIES)


def real_mask_crop(rng: np.random.Generator, real: np.ndarray, size: int) -> np.ndarray:
    h, w = real.shape
    for _ in range(MAX_TRIES):
        r, c = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        crop = real[r:r + size, c:c + size]
        if crop.mean() >= MIN_GAP_FRACTION:
            return crop[:, ::-1].copy() if rng.random() < 0.5 else crop.copy()
    return crop.copy()


def sample_mask(rng, size: int, real: np.ndarray | None = None, p_real: float = 0.0) -> np.ndarray:
    if real is not None and rng.random() < p_real:
        return real_mask_crop(rng, real, size)
    return simulated_mask(rng, size)
