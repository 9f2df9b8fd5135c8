"""Scores of one method on evaluation crops, accumulated so that splits, folds, band types and
gap widths can be aggregated afterwards: squared errors on gap pixels (RMSE/MSE), MS-SSIM of the
composite over the whole crop (the paper's two metrics), and for models with a std the
fraction of gap pixels whose truth lies within mean +- 2 std."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from engine.metrics import ms_ssim_score

WIDTH_BINS = ((0, 4), (4, 9), (9, 14), (14, 99))
VISIBLE = ("coastal", "blue", "green", "red")


def gap_width_px(gaps: np.ndarray) -> np.ndarray:
    """Per gap pixel, the length of its down-column run of gap pixels (0 off gaps): SLC-off
    stripes are within 13 deg of horizontal, so this is the gap's width to within 3 %."""
    h, w = gaps.shape
    out = np.zeros(gaps.shape, np.int32)
    pad = np.zeros((h + 2, w), np.int8)
    pad[1:-1] = gaps
    d = np.diff(pad, axis=0)
    for col in np.flatnonzero(gaps.any(0)):
        starts, ends = np.flatnonzero(d[:, col] == 1), np.flatnonzero(d[:, col] == -1)
        for s, e in zip(starts, ends):
            out[s:e, col] = e - s
    return out


def band_kind(name: str) -> str:
    return "visible" if any(v in name.lower() for v in VISIBLE) else "nir/swir"


class Tally:
    """Sums keyed by (group, quantity); one per method and fold."""

    def __init__(self):
        self.sums = defaultdict(float)
        self.z = defaultdict(list)   # per split: |error| / std on gap pixels

    def add(self, key, value: float, count: float = 1.0):
        self.sums[key + ("sum",)] += float(value)
        self.sums[key + ("n",)] += float(count)

    def mean(self, key):
        n = self.sums.get(key + ("n",), 0.0)
        return self.sums.get(key + ("sum",), 0.0) / n if n else float("nan")


def score_crop(tally: Tally, split: str, crop, pred: np.ndarray, std) -> None:
    gaps = crop.gaps[None] & crop.valid
    known = crop.valid & ~crop.gaps[None]
    err = (pred - crop.truth)
    comp = np.where(known | ~crop.valid, crop.truth, pred)
    ssim = ms_ssim_score(comp, np.where(crop.valid, crop.truth, 0))
    tally.add((split, "ms_ssim"), ssim)
    tally.add((split, "crop_rmse"), float(np.sqrt(np.mean(err[gaps] ** 2))))
    tally.add((split, "se"), float(np.sum(err[gaps] ** 2)), int(gaps.sum()))
    widths = gap_width_px(crop.gaps)
    for b, name in enumerate(crop.band_names):
        g = gaps[b]
        tally.add((split, "se", band_kind(name)), float(np.sum(err[b][g] ** 2)), int(g.sum()))
        for lo, hi in WIDTH_BINS:
            sel = g & (widths >= lo) & (widths < hi) if lo else g & (widths < hi)
            tally.add((split, "se", f"w{lo}-{hi}"), float(np.sum(err[b][sel] ** 2)), int(sel.sum()))
    if std is not None:
        inside = np.abs(err[gaps]) <= 2 * std[gaps]
        tally.add((split, "cover2"), float(inside.sum()), int(gaps.sum()))
        tally.add((split, "std"), float(std[gaps].sum()), int(gaps.sum()))
        tally.z[split].append((np.abs(err[gaps]) / np.maximum(std[gaps], 1e-6)).astype(np.float32))


def rmse(tally: Tally, split: str, sub: str | None = None) -> float:
    key = (split, "se") + ((sub,) if sub else ())
    return float(np.sqrt(tally.mean(key)))
