"""Scores used by `evaluate` and the training scripts: gap-pixel RMSE/PSNR in normalised units
(so scenes of different radiometry compare) and whole-image MS-SSIM, as in the paper."""
from __future__ import annotations

from typing import Optional

import numpy as np


def gap_rmse(pred: np.ndarray, truth: np.ndarray, gaps: np.ndarray) -> float:
    """RMSE over gap pixels, in the units of the arrays."""
    diff = pred.astype(np.float64)[gaps] - truth.astype(np.float64)[gaps]
    return float(np.sqrt(np.mean(diff ** 2))) if diff.size else float("nan")


def psnr(rmse_normalised: float) -> float:
    """PSNR for data normalised to a unit range."""
    return float(20 * np.log10(1.0 / max(rmse_normalised, 1e-12)))


def ms_ssim_score(pred: np.ndarray, truth: np.ndarray) -> Optional[float]:
    """Mean over bands of MS-SSIM on [0, 1]-clipped images; None when the image is too small
    for five scales (pytorch-msssim needs the short side > (win_size - 1) * 16)."""
    try:
        import torch
        from pytorch_msssim import ms_ssim
    except ImportError:
        return None
    win = ms_ssim_window(min(pred.shape[-2:]))
    if win is None:
        return None
    x = torch.from_numpy(np.clip(pred, 0, 1).astype(np.float32))[:, None]
    y = torch.from_numpy(np.clip(truth, 0, 1).astype(np.float32))[:, None]
    with torch.no_grad():
        return float(ms_ssim(x, y, data_range=1.0, win_size=win, size_average=True))


def ms_ssim_window(short_side: int) -> Optional[int]:
    """Largest odd window (<= 11) that pytorch-msssim accepts for this image size."""
    for win in (11, 9, 7, 5, 3):
        if short_side > (win - 1) * 16:
            return win
    return None
