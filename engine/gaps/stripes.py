"""Measure the stripe geometry of a gap mask and decide whether it is SLC-off.

Used both to recognise SLC-off products (so gap-specific methods are offered only where they
apply) and to check the simulator against real gaps. Everything is measured down columns:
an SLC-off column profile is a near-perfect square wave, so its autocorrelation peaks sharply at
the column period, while clouds, noise or a single band do not repeat. Columns are subsampled
because the geometry is the same everywhere in a scene and a few hundred columns suffice.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from engine.errors import InputError

_MAX_COLUMNS = 192          # columns sampled for the correlations and the run lengths
_MIN_PERIODS = 2.5          # fewer periods down a column than this cannot show periodicity
_MIN_STRENGTH = 0.3         # normalised correlation a real stripe pattern easily exceeds
_PERIOD_TOL = 0.15
# 8.2 deg at the equator, ~20 deg at 65 deg latitude, plus up to a few degrees of map-grid
# rotation (e.g. +4.6 deg on the Australian Albers grid at Menindee).
_TILT_RANGE_DEG = (4.0, 25.0)
_FRACTION_RANGE = (0.01, 0.45)
_NOMINAL_PERIOD_M = 970.0
# The ground system interpolates gaps under ~60 m; allowing for resampling to another grid, a
# run under 40 m is speckle (cloud-mask fragments, noise), not a scan gap, and would drag the
# width statistics down. At 30 m this drops 1-px runs; at 120 m it drops nothing.
_MIN_RUN_M = 40.0


@dataclass(frozen=True)
class StripeStats:
    """Along-track quantities (period, width) are perpendicular to the stripes, in pixels."""

    gap_fraction: float
    period_px: Optional[float]
    tilt_deg: Optional[float]
    mean_width_px: Optional[float]
    width_p90_px: Optional[float]
    looks_like_slc_off: bool


def _peak(curve: np.ndarray, lo: int, hi: int) -> tuple[float, float]:
    """Sub-sample location and height of the maximum of curve[lo:hi] (parabolic refinement)."""
    lo, hi = max(lo, 1), min(hi, len(curve) - 1)
    if hi <= lo:
        return float(lo), -1.0
    i = lo + int(np.argmax(curve[lo:hi]))
    a, b, c = curve[i - 1], curve[i], curve[i + 1]
    denom = a - 2 * b + c
    offset = 0.5 * (a - c) / denom if denom < 0 else 0.0
    return i + float(np.clip(offset, -0.5, 0.5)), float(b)


def _columns(width: int) -> np.ndarray:
    return np.unique(np.linspace(0, width - 1, min(width, _MAX_COLUMNS)).round().astype(int))


def _correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Column-summed cross-correlation sum_i a[i] b[i+lag] for lag >= 0 then lag < 0 (FFT order),
    normalised by the summed zero-lag autocorrelations; zero-variance columns drop out."""
    n = 2 * a.shape[0]
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    fa, fb = np.fft.rfft(a, n=n, axis=0), np.fft.rfft(b, n=n, axis=0)
    cc = np.fft.irfft(np.conj(fa) * fb, n=n, axis=0).sum(axis=1)
    norm = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return cc / norm if norm > 0 else np.zeros(n)


def _column_period(mask: np.ndarray, cols: np.ndarray) -> tuple[Optional[float], float]:
    """(period down a column, strength). The fundamental is the highest autocorrelation peak
    after the first negative lobe (the biased estimate favours it over its harmonics); the
    harmonics then refine it, since integer lags alone are only good to ~1/period."""
    h = mask.shape[0]
    prof = mask[:, cols].astype(np.float64)
    acf = _correlation(prof, prof)[: h // 2 + 1]
    negative = np.flatnonzero(acf < 0)
    if negative.size == 0 or negative[0] + 2 >= len(acf) - 1:
        return None, 0.0
    first_neg = int(negative[0])
    p0, strength = _peak(acf, first_neg, len(acf) - 1)
    # Narrow gaps give needle-sharp peaks, so a harmonic that happens to fall on an integer lag
    # can out-top the fundamental: take the shortest sub-multiple that still peaks nearly as high.
    for k in range(int(p0 // max(first_neg, 1)), 1, -1):
        lo, hi = int(p0 / k - p0 / (8 * k)), int(p0 / k + p0 / (8 * k)) + 2
        if lo <= first_neg:
            continue
        sub, sub_strength = _peak(acf, lo, hi)
        if sub_strength >= 0.6 * strength:
            p0, strength = sub, sub_strength
            break
    if strength < _MIN_STRENGTH or h < _MIN_PERIODS * p0:
        return None, strength
    ks, lags = [], []
    for k in range(1, int((h / 2) // p0) + 1):
        lag, height = _peak(acf, int(round(k * p0 - p0 / 4)), int(round(k * p0 + p0 / 4)) + 1)
        if height > 0:
            ks.append(k)
            lags.append(lag)
    if not ks:
        return None, strength
    ks_a, lags_a = np.asarray(ks, float), np.asarray(lags, float)
    return float((ks_a * lags_a).sum() / (ks_a * ks_a).sum()), strength


def _column_shift(mask: np.ndarray, cols: np.ndarray, d: int, expect: float,
                  half_range: float) -> tuple[Optional[float], float]:
    """Row shift of the pattern between columns d apart, searched within expect +- half_range."""
    left = cols[cols + d < mask.shape[1]]
    if left.size == 0:
        return None, 0.0
    cc = _correlation(mask[:, left].astype(np.float64), mask[:, left + d].astype(np.float64))
    n = len(cc)
    lo, hi = int(math.floor(expect - half_range)), int(math.ceil(expect + half_range))
    lags = np.arange(lo - 1, hi + 2)
    window = cc[lags % n]
    pos, strength = _peak(window, 1, len(window) - 1)
    return lo - 1 + pos, strength


def _run_lengths(mask: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Vertical gap runs with a non-gap pixel directly above and below (edge runs are cut)."""
    prof = mask[:, cols].astype(np.int8)
    edges = np.diff(prof, axis=0)
    starts = np.argwhere(edges.T == 1)   # (column, row before the run)
    ends = np.argwhere(edges.T == -1)    # (column, last row of the run)
    lengths = []
    for c in range(len(cols)):
        s = starts[starts[:, 0] == c, 1]
        e = ends[ends[:, 0] == c, 1]
        if s.size == 0 or e.size == 0:
            continue
        e = e[e > s[0]]
        m = min(len(s), len(e))
        lengths.append(e[:m] - s[:m])
    return np.concatenate(lengths) if lengths else np.zeros(0, dtype=int)


def measure_stripes(gap_mask: np.ndarray, pixel_size_m: float = 30.0) -> StripeStats:
    """Period, tilt and width of the stripes in a boolean (h, w) gap mask; None where the mask
    shows no periodic stripes. Tilt is positive when stripes descend eastward (rows grow)."""
    mask = np.asarray(gap_mask)
    if mask.ndim != 2 or mask.dtype != bool:
        raise InputError(f"measure_stripes: need a 2-D boolean mask, got {mask.dtype} "
                         f"{mask.shape}")
    if not (math.isfinite(pixel_size_m) and pixel_size_m > 0):
        raise InputError(f"measure_stripes: pixel_size_m must be > 0, got {pixel_size_m}")
    fraction = float(mask.mean()) if mask.size else 0.0
    none = StripeStats(fraction, None, None, None, None, False)
    h, w = mask.shape
    if h < 8 or w < 2 or fraction in (0.0, 1.0):
        return none
    cols = _columns(w)
    p_col, _ = _column_period(mask, cols)
    if p_col is None:
        return none
    # Columns about one period apart: a tilt under ~26 deg keeps the shift below half a period,
    # so it is unambiguous; a 4x wider pair then sharpens it without re-introducing ambiguity.
    d = max(1, int(round(p_col)))
    shift, strength = _column_shift(mask, cols, d, 0.0, p_col / 2)
    if shift is None or strength < _MIN_STRENGTH:
        return none
    d_far = 4 * d
    if d_far < w // 2:
        far, far_strength = _column_shift(mask, cols, d_far, 4 * shift, p_col / 2)
        if far is not None and far_strength >= _MIN_STRENGTH:
            shift, d = far, d_far
    tilt = math.atan2(shift, d)
    cos_t = math.cos(tilt)
    period = p_col * cos_t
    runs = _run_lengths(mask, cols)
    runs = runs[runs * pixel_size_m >= _MIN_RUN_M] * cos_t
    mean_w = float(runs.mean()) if runs.size else None
    p90 = float(np.percentile(runs, 90)) if runs.size else None
    tilt_deg = math.degrees(tilt)
    nominal = _NOMINAL_PERIOD_M / pixel_size_m
    looks = (abs(period / nominal - 1) <= _PERIOD_TOL
             and _TILT_RANGE_DEG[0] <= tilt_deg <= _TILT_RANGE_DEG[1]
             and _FRACTION_RANGE[0] <= fraction <= _FRACTION_RANGE[1]
             and runs.size > 0)
    return StripeStats(fraction, period, tilt_deg, mean_w, p90, bool(looks))
