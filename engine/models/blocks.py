"""Small building blocks shared by the models: conv layers, the band mixer, the per-pixel MLP."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def conv3(c_in: int, c_out: int) -> nn.Sequential:
    """3x3 conv + ReLU (no normalisation: tile-size independent, deterministic at inference)."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True))


class BandMix(nn.Module):
    """DeepSets over bands: x_b + W [x_b, mean over valid bands of x]. Works for any band count
    and order; with one band the mean is the band itself (the layer stays well defined)."""

    def __init__(self, channels: int):
        super().__init__()
        self.proj = nn.Conv2d(2 * channels, channels, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor, bands: int, band_weight: torch.Tensor | None) -> torch.Tensor:
        """`x` holds `bands` consecutive bands per image (bands folded into the batch);
        `band_weight` (images, bands), if given, leaves padded or absent bands out of the mean."""
        n, c, h, w = x.shape
        xb = x.reshape(n // bands, bands, c, h, w)
        if band_weight is None:
            pooled = xb.mean(dim=1, keepdim=True)
        else:
            wgt = band_weight.reshape(n // bands, bands, 1, 1, 1).to(x.dtype)
            pooled = (xb * wgt).sum(1, keepdim=True) / wgt.sum(1, keepdim=True).clamp_min(1.0)
        pooled = pooled.expand_as(xb).reshape(n, c, h, w)
        return x + self.proj(torch.cat([x, pooled], dim=1))


class PixelMLP(nn.Module):
    """Per-pixel decoder (1x1 convs): features -> `out` channels."""

    def __init__(self, c_in: int, hidden: int, layers: int, out: int):
        super().__init__()
        mods, c = [], c_in
        for _ in range(max(0, layers - 1)):
            mods += [nn.Conv2d(c, hidden, 1), nn.ReLU(inplace=True)]
            c = hidden
        mods.append(nn.Conv2d(c, out, 1))
        self.net = nn.Sequential(*mods)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the 1x1 layers (per pixel, so no spatial context is added here)."""
        return self.net(x)

    # gathered rows are padded to a multiple of this many
    ROW_BUCKET = 4096

    def rows(self, x: torch.Tensor) -> torch.Tensor:
        """The same layers on gathered pixels, (rows, c_in) -> (rows, out): a 1x1 convolution
        is a matrix product per pixel, so a fill can run the head where it needs it only.

        The row count is padded up to a multiple of `ROW_BUCKET` (zeros, dropped after): the
        gap count differs from tile to tile, and under bf16 autocast every new matrix shape
        leaves a compiled kernel in oneDNN's cache (up to 1024 of them), which held 2.4 MB
        more after each tile of a whole-scene fill, about 500 MB over the 56 Mpx benchmark
        scene. Bucketed, a head sees at most 16 shapes per block size."""
        n = x.shape[0]
        extra = (-n) % self.ROW_BUCKET
        if extra:
            x = F.pad(x, (0, 0, 0, extra))
        for layer in self.net:
            x = (F.linear(x, layer.weight.flatten(1), layer.bias)
                 if isinstance(layer, nn.Conv2d) else layer(x))
        return x[:n]


def positive_std(raw: torch.Tensor) -> torch.Tensor:
    """std = 0.01 + 0.99 softplus (the Neural Process Family convention). On a contiguous copy:
    softplus of a strided channel slice takes another kernel path that rounds differently in
    the last bit, and paths that must agree exactly (a reference model with R = 0 or with
    references unknown everywhere) slice differently."""
    return 0.01 + 0.99 * F.softplus(raw.contiguous())


def fold_bands(values: torch.Tensor, known: torch.Tensor):
    """(b, nb, h, w) -> (b*nb, 1, h, w) for values and known (as float)."""
    b, nb, h, w = values.shape
    return values.reshape(b * nb, 1, h, w), known.reshape(b * nb, 1, h, w).to(values.dtype)


def unfold_bands(x: torch.Tensor, batch: int) -> torch.Tensor:
    """(b*nb, 1, h, w) -> (b, nb, h, w)."""
    return x.reshape(batch, -1, x.shape[-2], x.shape[-1])
