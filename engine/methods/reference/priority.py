"""Several reference dates: each gap pixel takes its value from the closest date in time that can
predict it, and the single-image fallback takes what no date can.

Where a reference disagrees with the target next to a gap (low local correlation: a field
that changed crop, a lake that filled, a date years away) it lends nothing there, and the next
date or the fallback fills those pixels.

Nearest-first rather than an average: land cover and phenology drift with the interval, so the
closest valid date is the best single guess, and averaging a close and a far date pulls the
close one toward the far one's changes. Per band, because a reference may lack a band or have
its own per-band gaps (SLC-off references).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from engine.methods.registry import FillResult
from engine.methods.reference.local_stats import window_sums
from engine.methods.reference.types import Fallback, Reference, SingleReferencePredictor

# A reference lends a pixel only where it agrees with the target around it: correlation of the
# two dates over the pixels both see in a 31 px window at least 0.7 (and 50 such pixels).
# Chosen on the evaluation pairs of docs/reference_fill.md (0.5, 0.7, 0.8; 21, 31, 51 px): it
# took NSPI's gap RMSE from 0.058 to 0.055 (Lethbridge, 40 days), 0.061 to 0.050 (Menindee,
# lakes that filled) and 0.114 to 0.066 (Flathead, 8-10 years): from far worse than the
# single-image default to level with it where the land changed.
MIN_AGREEMENT = 0.7
AGREEMENT_HALF_PX = 15
MIN_AGREEMENT_PIXELS = 50


def nearest_first(values: np.ndarray, known: np.ndarray, refs: Sequence[Reference],
                  predictor: SingleReferencePredictor, fallback: Fallback,
                  where: Optional[np.ndarray] = None) -> FillResult:
    """Fill every gap of `values` (or only those in `where`) from `refs` in order of
    |days_apart|, then from `fallback`. Each date and the fallback are asked only for the pixels
    still open, so a second date or the fallback costs what is left, not a whole tile.

    With no reference, or none able to predict any gap pixel, the fallback's result is returned
    as it is (same values, same std), so a reference method never does worse than its fallback
    for want of data.
    """
    known = np.asarray(known, dtype=bool)
    values = np.where(known, values, 0).astype(np.float32)
    todo = ~known if where is None else ~known & where
    out = values.copy()
    taken = False
    for ref in sorted(refs, key=lambda r: abs(float(r.days_apart))):
        if not todo.any():
            break
        _check_shapes(values, ref)
        pred, ok = predictor.predict(values, known, ref, todo)
        ok &= local_agreement(values, known, ref) >= MIN_AGREEMENT
        take = ok & todo
        if take.any():
            out[take] = pred[take]
            todo &= ~take
            taken = True
    if not taken:
        return fallback(values, known, where)
    if todo.any():
        out[todo] = fallback(values, known, todo).mean[todo]
    return FillResult(out)


def local_agreement(values: np.ndarray, known: np.ndarray, ref: Reference,
                    half: int = AGREEMENT_HALF_PX) -> np.ndarray:
    """Pearson correlation, per band, between the target and the reference over the pixels both
    see in the window around every pixel (-1 where fewer than MIN_AGREEMENT_PIXELS): how far the
    reference can be trusted there. Fields that changed crop, a lake that filled, a date years
    away all show up as a low correlation next to the gap."""
    both = known & ref.known
    out = np.full(values.shape, -1.0, np.float32)
    for b in range(values.shape[0]):
        m = both[b].astype(np.float64)
        x = np.where(both[b], values[b], 0.0).astype(np.float64)
        y = np.where(both[b], ref.values[b], 0.0).astype(np.float64)
        n, sx, sy, sxx, syy, sxy = window_sums([m, x, y, x * x, y * y, x * y], half)
        n = np.rint(n)
        safe = np.maximum(n, 1.0)
        cov = sxy / safe - (sx / safe) * (sy / safe)
        vx = np.maximum(sxx / safe - (sx / safe) ** 2, 0.0)
        vy = np.maximum(syy / safe - (sy / safe) ** 2, 0.0)
        r = cov / np.sqrt(np.maximum(vx * vy, 1e-12))
        out[b] = np.where(n >= MIN_AGREEMENT_PIXELS, r, -1.0)
    # a band the reference lacks (NSPI still predicts it from pixels similar on the other
    # bands): trust it as far as the bands it has agree
    present = ref.known.any(axis=(1, 2))
    if present.any() and not present.all():
        out[~present] = out[present].mean(axis=0)
    return out


def _check_shapes(values: np.ndarray, ref: Reference) -> None:
    if ref.values.shape != values.shape or ref.known.shape != values.shape:
        raise ValueError(f"reference tile {ref.values.shape} does not match the target tile "
                         f"{values.shape} (the runner aligns bands and grid before filling)")
