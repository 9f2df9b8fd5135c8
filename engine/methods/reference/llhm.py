"""Local linear histogram matching, the USGS method behind the SLC-off gap-filled products
(Scaramuzza, Micijevic, Chander 2004, "SLC gap-filled products phase one methodology"; phase two
extends it to several SLC-off fill scenes).

Why it works: over a few hundred metres the relation between two dates of one band is close to
linear (same land covers, different sun, season and sensor), so target = gain * reference + bias
fitted in a moving window of pixels valid on both dates carries the reference's texture into the
gap at the target's brightness. Per band, as in the USGS method:

- gain = std(target) / std(reference), bias = mean(target) - gain * mean(reference), over the
  common pixels of the smallest window (19, 31, 43 ... px) holding at least 144 of them; the
  gain is clamped to [1/3, 3] (a flat window must not amplify reference noise);
- where no window holds 144, only the mean difference is used (gain 1), given a few common
  pixels; where there are none, the pixel is left to the next date or the fallback;
- residual correction: the fit's residuals (target minus fit) at the nearest valid pixels are
  spread into the gap (a normalised Gaussian filter) and added, which corrects what a weakly
  related reference gets wrong on the gap's edges.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.ndimage import gaussian_filter

from engine.methods.reference.local_stats import masked_mean_std
from engine.methods.reference.priority import nearest_first
from engine.methods.reference.types import Fallback, Reference

MIN_COMMON = 144
HALF_SIZES = (9, 15, 21, 27)        # windows of 19, 31, 43 and 55 px
MIN_COMMON_FOR_OFFSET = 16
GAIN_RANGE = (1.0 / 3.0, 3.0)
RESIDUAL_SIGMA_PX = 3.0
_RESIDUAL_TRUNCATE = 3.0            # sigmas: reaches the middle of the widest (14 px) gaps
HALO_PX = HALF_SIZES[-1] + int(RESIDUAL_SIGMA_PX * _RESIDUAL_TRUNCATE) + 1
_MIN_DENSITY = 1e-6


class LlhmFill:
    """USGS local linear histogram matching as a reference fill; `fallback` fills what no reference
    predicts. The defaults are the USGS method's (144 common pixels, windows 19-55 px, residual
    correction on)."""

    def __init__(self, fallback: Fallback, min_common: int = MIN_COMMON,
                 half_sizes: Sequence[int] = HALF_SIZES, residual: bool = True):
        self.fallback = fallback
        self.min_common = int(min_common)
        self.half_sizes = tuple(int(h) for h in half_sizes)
        self.residual = residual

    def fill(self, values, known, refs, where=None):
        return nearest_first(values, known, refs, self, self.fallback, where)

    def predict(self, values: np.ndarray, known: np.ndarray, ref: Reference,
                where: np.ndarray | None = None) -> tuple:
        """Per band, the gain/bias fit of `ref` onto the target (plus spread residuals), ok only
        where the reference is valid and a window held enough common pixels. Every pixel is
        fitted (`where` is not used): the moving-window filters cost the same for any subset."""
        pred = np.zeros(values.shape, dtype=np.float32)
        ok = np.zeros(values.shape, dtype=bool)
        for b in range(values.shape[0]):
            if not ref.known[b].any():
                continue
            pred[b], ok[b] = self._band(values[b], known[b], ref.values[b], ref.known[b])
        return pred, ok

    def _band(self, target, t_ok, reference, r_ok) -> tuple:
        common = t_ok & r_ok
        target = np.where(t_ok, target, 0.0)
        reference = np.where(r_ok, reference, 0.0)
        gain, bias = self._transform(target, reference, common)
        fitted = np.isfinite(gain)
        pred = gain * reference + bias
        if self.residual:
            pred = pred + _spread_residuals(target - pred, common & fitted)
        ok = r_ok & fitted
        return np.where(ok, pred, 0.0).astype(np.float32), ok

    def _transform(self, target, reference, common) -> tuple:
        """Per-pixel gain and bias from the smallest window with enough common pixels; NaN where
        even the largest window holds too few for the mean difference."""
        gain = np.full(target.shape, np.nan)
        bias = np.full(target.shape, np.nan)
        for half in self.half_sizes:
            n, mean_t, std_t = masked_mean_std(target, common, half)
            _, mean_r, std_r = masked_mean_std(reference, common, half)
            take = np.isnan(gain) & (n >= self.min_common)
            g = np.clip(std_t / np.maximum(std_r, 1e-9), *GAIN_RANGE)
            gain[take] = g[take]
            bias[take] = (mean_t - g * mean_r)[take]
        offset_only = np.isnan(gain) & (n >= MIN_COMMON_FOR_OFFSET)
        gain[offset_only] = 1.0
        bias[offset_only] = (mean_t - mean_r)[offset_only]
        return gain, bias


def _spread_residuals(residual: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Gaussian-weighted mean of the residuals at `where` around every pixel (0 where none is
    in reach): inside a gap, that is the residual of the gap's two edges."""
    m = where.astype(np.float64)
    num = gaussian_filter(np.where(where, residual, 0.0), RESIDUAL_SIGMA_PX, mode="constant",
                          truncate=_RESIDUAL_TRUNCATE)
    den = gaussian_filter(m, RESIDUAL_SIGMA_PX, mode="constant", truncate=_RESIDUAL_TRUNCATE)
    return np.where(den > _MIN_DENSITY, num / np.maximum(den, _MIN_DENSITY), 0.0)
