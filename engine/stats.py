"""Per-scene normalisation, computed once from a decimated read: every tile is scaled by the same
numbers, so a tile's brightness never depends on which tile it is (no seams from per-tile
statistics) and neural models see the range they were trained on."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import InputError
from engine.io.scene import Scene

LOW_PERCENTILE, HIGH_PERCENTILE = 1.0, 99.0


@dataclass(frozen=True)
class BandStats:
    """Per-band 1st and 99th percentiles (`low`, `high`) that map every tile to roughly [0, 1], and
    the observed value range a fill is clipped to."""

    low: tuple   # per band, input units
    high: tuple
    vmin: tuple = ()  # per band, smallest / largest valid value of the decimated read
    vmax: tuple = ()

    def clip_observed(self, values: np.ndarray) -> np.ndarray:
        """Fills (input units, bands first) limited to the range the scene was seen to take: a
        learned fill may overshoot near a bright edge, and no fill should invent a value (or a
        negative reflectance) the scene does not have. Scene-wide bounds, so no seams."""
        if not self.vmin:
            return values
        shape = (-1,) + (1,) * (values.ndim - 1)
        return np.clip(values, np.asarray(self.vmin).reshape(shape),
                       np.asarray(self.vmax).reshape(shape))

    def normalise(self, data: np.ndarray) -> np.ndarray:
        """Input units (bands first) to the normalised float32 units methods and models work in."""
        lo, span = self._arrays(data.ndim)
        return ((data.astype(np.float32) - lo) / span).astype(np.float32)

    def denormalise(self, values: np.ndarray) -> np.ndarray:
        """Normalised fills back to input units (float64; the runner then rounds and clips to the
        input type)."""
        lo, span = self._arrays(values.ndim)
        return values.astype(np.float64) * span + lo

    def scale(self, values: np.ndarray) -> np.ndarray:
        """Standard deviations back to input units (a spread, so no offset)."""
        _, span = self._arrays(values.ndim)
        return values.astype(np.float64) * span

    def _arrays(self, ndim: int):
        shape = (-1,) + (1,) * (ndim - 1)
        lo = np.asarray(self.low, dtype=np.float64).reshape(shape)
        hi = np.asarray(self.high, dtype=np.float64).reshape(shape)
        return lo, np.maximum(hi - lo, 1e-6)


def scene_stats(scene: Scene, progress=None) -> BandStats:
    """1st/99th percentiles of each band's valid pixels; an all-nodata scene is an input error.
    `progress(bands read, bands)` follows the decimated read, the slow part on a full scene."""
    count = scene.profile.count
    sample = scene.read_decimated(band_read=None if progress is None else
                                  lambda done: progress(done, count))
    invalid = scene.invalid_decimated(sample)
    lows, highs, vmins, vmaxs = [], [], [], []
    for b in range(sample.shape[0]):
        valid = sample[b][~invalid[b]]
        if valid.size == 0:
            raise InputError(f"band {b + 1} has no valid pixels (everything is nodata)")
        valid = valid.astype(np.float64)
        lo, hi = np.percentile(valid, [LOW_PERCENTILE, HIGH_PERCENTILE])
        lows.append(float(lo))
        highs.append(float(hi) if hi > lo else float(lo) + 1.0)
        vmins.append(float(valid.min()))
        vmaxs.append(float(valid.max()))
    return BandStats(tuple(lows), tuple(highs), tuple(vmins), tuple(vmaxs))
