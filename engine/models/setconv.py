"""On-grid SetConv (Gordon et al. 2020): a positive depthwise convolution applied to the
observed signal y*m and to the mask m; the normalised signal (a kernel-smoothing interpolant)
and the density are the model's functional representation of the context set."""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F


class SetConv(nn.Module):
    """Per-band positive kernel shared by signal and density. Returns
    [signal / clamp(density), density, y*m, m] (4 channels per band)."""

    def __init__(self, kernel_px: int = 9, init_sigma_px: float = 2.0):
        super().__init__()
        if kernel_px % 2 == 0:
            raise ValueError("SetConv kernel size must be odd")
        r = torch.arange(kernel_px, dtype=torch.float32) - kernel_px // 2
        g = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * init_sigma_px ** 2))
        # store the log of the kernel: exp() keeps it positive (the "positive SetConv")
        self.log_kernel = nn.Parameter(torch.log(g / g.max()).view(1, 1, kernel_px, kernel_px))
        self.kernel_px = kernel_px

    out_channels = 4

    def forward(self, values: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        ym = values * known
        k = torch.exp(self.log_kernel).to(values.dtype)
        pad = self.kernel_px // 2
        both = F.conv2d(torch.cat([ym, known], 0), k, padding=pad)
        signal, density = both.chunk(2, 0)
        interp = signal / density.clamp_min(1e-5)
        return torch.cat([interp, density, ym, known], dim=1)


def density_scale(kernel_px: int) -> float:
    """Rough size of the density at a fully observed pixel (for documentation/debugging)."""
    return float(kernel_px * kernel_px) / math.e
