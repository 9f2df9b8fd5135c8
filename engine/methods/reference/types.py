"""What a reference-date fill receives and promises, shared by the methods and the runner that
feeds them: one tile of the target and of each aligned reference date, already normalised."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Protocol, Sequence

import numpy as np

from engine.methods.registry import FillResult

# The single-image fill used wherever no reference can predict a pixel:
# fallback(values, known, where) (a FillMethod's `fill`).
Fallback = Callable[..., FillResult]


@dataclass(frozen=True)
class Reference:
    """One other date on the target's grid and in the target's band order.

    values are normalised with the reference's own per-scene statistics (so a different sensor or
    season is roughly on the same scale but not equal: the methods fit the difference locally);
    bands the reference lacks are all-False in `known`. days_apart is signed or not; only its
    magnitude is used, to try the closest date first.
    """

    values: np.ndarray   # float32 (bands, h, w)
    known: np.ndarray    # bool (bands, h, w)
    days_apart: float    # target minus reference; NaN when a date is unknown
    doy: float = float("nan")   # day-of-year difference wrapped to [-182, 182]


class ReferenceFill(Protocol):
    """The interface of a fill from other dates, as the runner calls it (a method registered with
    `uses_references`)."""

    def fill(self, values: np.ndarray, known: np.ndarray, refs: Sequence[Reference],
             where: Optional[np.ndarray] = None) -> FillResult:
        """Every pixel of (bands, h, w); gaps predicted from the references where they can be,
        from the fallback elsewhere. `where` as for a single-image FillMethod: the pixels the
        caller keeps (None: every unknown pixel)."""


class SingleReferencePredictor(Protocol):
    """What `nearest_first` needs from a method: a prediction from one reference at a time, with
    where it holds, so dates can be tried nearest first."""

    def predict(self, values: np.ndarray, known: np.ndarray, ref: Reference,
                where: np.ndarray) -> tuple:
        """(prediction, ok): float32 (bands, h, w) and bool (bands, h, w), ok where the prediction
        comes from this reference (never at pixels the reference has no valid value for).
        `where`: the pixels still wanted (bool like `known`); a method may skip the others."""
