"""Training loss: MS-SSIM (the paper) on the composite image, plus L1 on gap pixels, plus a
Gaussian NLL that trains the predicted std (on a detached mean, so the std never pulls the fill).

The composite is the observed pixels with the prediction in the gaps, i.e. what users get; so
MS-SSIM over the whole image only sees the model through its gap pixels. pytorch-msssim needs
non-negative images with data_range=1: both images are clipped to [0, 1]; the window shrinks
with the crop (3 at 64 px, 7 at 128 px) so five scales fit."""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from pytorch_msssim import ms_ssim

from engine.metrics import ms_ssim_window


@dataclass(frozen=True)
class LossWeights:
    ms_ssim: float = 1.0
    l1: float = 1.0
    mse: float = 0.0
    nll: float = 0.05


LOSSES = {
    "msssim+l1": LossWeights(),
    "msssim": LossWeights(l1=0.0),
    "l1": LossWeights(ms_ssim=0.0),
    "mse": LossWeights(ms_ssim=0.0, l1=0.0, mse=10.0),
    "msssim+mse": LossWeights(l1=0.0, mse=10.0),
}


def gap_loss(mean, std, truth, target, composite_known, band_weight, w: LossWeights) -> dict:
    """mean/std/truth: (b, nb, h, w); target: bool, pixels scored (gap, valid, active band);
    composite_known: bool, pixels taken from the truth in the composite."""
    mean = mean.float()
    b, nb, h, wd = mean.shape
    comp = torch.where(composite_known, truth, mean).clamp(0, 1).reshape(b * nb, 1, h, wd)
    ref = truth.clamp(0, 1).reshape(b * nb, 1, h, wd)
    win = ms_ssim_window(min(h, wd))
    per_img = ms_ssim(comp, ref, data_range=1.0, win_size=win, size_average=False)
    bw = band_weight.reshape(-1).float()
    msssim = (per_img * bw).sum() / bw.sum().clamp_min(1)
    n = target.sum().clamp_min(1)
    tf = target.float()
    l1 = ((mean - truth).abs() * tf).sum() / n
    mse = ((mean - truth) ** 2 * tf).sum() / n
    out = {"ms_ssim": msssim, "l1": l1, "mse": mse}
    loss = w.ms_ssim * (1 - msssim) + w.l1 * l1 + w.mse * mse
    if std is not None and w.nll > 0:
        std = std.float()
        z = (truth - mean.detach()) / std
        nll = ((0.5 * z ** 2 + torch.log(std) + 0.5 * math.log(2 * math.pi)) * tf).sum() / n
        out["nll"] = nll
        loss = loss + w.nll * nll
    out["loss"] = loss
    return out
