"""Several reference dates: each gap pixel takes its value from the closest date in time that can
predict it, and the single-image fallback takes what no date can.

Nearest-first rather than an average: land cover and phenology drift with the interval, so the
closest valid date is the best single guess, and averaging a close and a far date pulls the
close one toward the far one's changes. Per band, because a reference may lack a band or have
its own per-band gaps (SLC-off references).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from engine.methods.registry import FillResult
from engine.methods.reference.types import Fallback, Reference, SingleReferencePredictor


def nearest_first(values: np.ndarray, known: np.ndarray, refs: Sequence[Reference],
                  predictor: SingleReferencePredictor, fallback: Fallback) -> FillResult:
    """Fill every gap of `values` from `refs` in order of |days_apart|, then from `fallback`.

    With no reference, or none able to predict any gap pixel, the fallback's result is returned
    as it is (same values, same std), so a reference method never does worse than its fallback
    for want of data.
    """
    known = np.asarray(known, dtype=bool)
    values = np.where(known, values, 0).astype(np.float32)
    todo = ~known
    out = values.copy()
    taken = False
    for ref in sorted(refs, key=lambda r: abs(float(r.days_apart))):
        if not todo.any():
            break
        _check_shapes(values, ref)
        pred, ok = predictor.predict(values, known, ref)
        take = ok & todo
        if take.any():
            out[take] = pred[take]
            todo &= ~take
            taken = True
    if not taken:
        return fallback(values, known)
    if todo.any():
        out[todo] = fallback(values, known).mean[todo]
    return FillResult(out)


def _check_shapes(values: np.ndarray, ref: Reference) -> None:
    if ref.values.shape != values.shape or ref.known.shape != values.shape:
        raise ValueError(f"reference tile {ref.values.shape} does not match the target tile "
                         f"{values.shape} (the runner aligns bands and grid before filling)")
