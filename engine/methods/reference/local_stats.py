"""Moving-window sums over the valid pixels only, for every pixel of a tile at once (box filters),
which is what keeps the reference fills free of per-pixel Python loops."""
from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter


def window_sums(arrays: list, half: int) -> list:
    """Sum of each 2-D array over the (2*half+1)^2 window around every pixel; outside the tile
    counts as zero, so a window clipped by the tile border simply holds fewer pixels. float64:
    sums of squares feed variances, where float32 cancels badly."""
    size = 2 * half + 1
    return [uniform_filter(np.asarray(a, dtype=np.float64), size=size, mode="constant")
            * (size * size) for a in arrays]


def masked_mean_std(values: np.ndarray, mask: np.ndarray, half: int) -> tuple:
    """(count, mean, std) of `values` where `mask`, over the window around every pixel; mean and
    std are 0 where the window holds no valid pixel."""
    m = mask.astype(np.float64)
    v = np.where(mask, values, 0.0).astype(np.float64)
    n, s, ss = window_sums([m, v, v * v], half)
    n = np.rint(n)
    safe = np.maximum(n, 1.0)
    mean = s / safe
    var = np.maximum(ss / safe - mean * mean, 0.0)
    return n, mean, np.sqrt(var)
