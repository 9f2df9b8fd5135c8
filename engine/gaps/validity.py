"""Per-band validity. A nodata tag alone is not trusted: Landsat fill is 0 in every band whatever
the tag says, and QA_PIXEL / BQA bit 0 flags fill in the union of bands."""
from __future__ import annotations

from typing import Optional

import numpy as np


ZERO_FILL_MODES = ("none", "all-bands", "per-band")


def invalid_mask(data: np.ndarray, nodata: Optional[float], zero_fill: str = "none",
                 qa_fill: Optional[np.ndarray] = None) -> np.ndarray:
    """True where a band holds no measurement. `data` is (bands, h, w).

    zero_fill: "per-band" for Landsat Level-1/2 bands (0 is never a valid value there),
    "all-bands" for other integer rasters (0 in every band at once is fill, a single dark band
    is not), "none" for floating-point data.
    """
    invalid = np.zeros(data.shape, dtype=bool)
    if np.issubdtype(data.dtype, np.floating):
        invalid |= ~np.isfinite(data)  # +-inf is no measurement either: filled like NaN
    if nodata is not None and not np.isnan(nodata):
        invalid |= data == np.asarray(nodata).astype(data.dtype)
    if zero_fill == "per-band":
        invalid |= data == 0
    elif zero_fill == "all-bands":
        invalid |= np.all(data == 0, axis=0, keepdims=True)
    if qa_fill is not None:
        invalid |= qa_fill[None]
    return invalid
