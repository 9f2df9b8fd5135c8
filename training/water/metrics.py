"""Agreement with the teacher: confusion matrices over the labelled pixels (classes 1-3 as
rows, predicted 0-3 as columns; a prediction of 0 "no data" is an error), pixel error and mean
IoU over classes 1-3."""
from __future__ import annotations

import numpy as np


def confusion(label: np.ndarray, pred: np.ndarray, where: np.ndarray) -> np.ndarray:
    """4 x 4 counts [label, prediction] over `where` & labelled pixels (label 0 is not counted)."""
    sel = where & (label > 0)
    idx = label[sel].astype(np.int64) * 4 + pred[sel].astype(np.int64)
    return np.bincount(idx, minlength=16).reshape(4, 4)


def pixel_error(c: np.ndarray) -> float:
    total = c[1:].sum()
    return float("nan") if total == 0 else 1.0 - np.trace(c[1:, 1:]) / total


def class_iou(c: np.ndarray) -> list:
    """IoU of classes 1-3 (NaN for a class absent from both labels and predictions)."""
    out = []
    for k in (1, 2, 3):
        tp = c[k, k]
        denom = c[k].sum() + c[1:, k].sum() - tp
        out.append(float("nan") if denom == 0 else tp / denom)
    return out


def mean_iou(c: np.ndarray) -> float:
    values = [v for v in class_iou(c) if not np.isnan(v)]
    return float(np.mean(values)) if values else float("nan")
