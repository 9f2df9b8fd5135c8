"""Partial-convolution U-Net (Liu et al. 2018): every convolution sees only valid pixels and is
renormalised by the window's coverage; the mask becomes "any valid pixel in the window" after
each layer. Kernels 7-5-5-3 on the way down (stride 2), nearest upsampling and 3x3 partial
convolutions on the way up, as in the paper (fewer channels, for CPU)."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from engine.models.blocks import fold_bands, unfold_bands
from engine.models.padding import pad_features


class PartialConv2d(nn.Module):
    """Convolution over valid pixels only, rescaled by the window's coverage (Liu et al. 2018);
    returns the features and the updated mask (1 where the window held any valid pixel)."""

    def __init__(self, c_in: int, c_out: int, kernel_px: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel_px, stride, kernel_px // 2, bias=True)
        self.register_buffer("ones", torch.ones(1, 1, kernel_px, kernel_px), persistent=False)
        self.stride, self.pad, self.window = stride, kernel_px // 2, float(kernel_px ** 2)

    def forward(self, x: torch.Tensor, m: torch.Tensor):
        """(features, new mask) for input `x` and its mask `m` (1 = valid)."""
        with torch.no_grad():
            cover = F.conv2d(m, self.ones.to(m.dtype), stride=self.stride, padding=self.pad)
            new_m = (cover > 0).to(x.dtype)
            ratio = self.window / cover.clamp_min(1.0) * new_m
        bias = self.conv.bias.view(1, -1, 1, 1)
        raw = F.conv2d(x * m, self.conv.weight, None, self.stride, self.pad)
        return (raw * ratio + bias) * new_m, new_m


class PartialConvUNet(nn.Module):
    """The partial-convolution baseline: one band at a time through the U-Net, predicting a mean
    only (no std), so it is called like the other fill models but gives no uncertainty."""

    # bands never meet in this network, so inference may run them one at a time: the same
    # values with a quarter of the activations (its full-resolution maps are 16-33 channels)
    max_band_batch = 1

    def __init__(self, channels=(16, 32, 64, 96), kernels=(7, 5, 5, 3)):
        super().__init__()
        self.multiple = 2 ** len(channels)
        self.down = nn.ModuleList()
        c = 1
        for ch, k in zip(channels, kernels):
            self.down.append(PartialConv2d(c, ch, k, stride=2))
            c = ch
        skips = (1,) + tuple(channels[:-1])
        self.up = nn.ModuleList()
        for i in range(len(channels) - 1, -1, -1):
            c_out = skips[i] if i > 0 else 16
            self.up.append(PartialConv2d(c + skips[i], c_out, 3))
            c = c_out
        self.out = nn.Conv2d(c, 1, 1)

    def forward(self, values, known, band_weight=None, **_):
        """(mean (b, bands, h, w), None): no std."""
        b = values.shape[0]
        y, m = fold_bands(values, known)
        x, h, w = pad_features(torch.cat([y * m, m], 1), self.multiple)
        x, m = x[:, :1], x[:, 1:]
        feats = [(x, m)]
        for layer in self.down:
            x, m = layer(x, m)
            x = F.relu(x)
            feats.append((x, m))
        feats.pop()
        for i, layer in enumerate(self.up):
            sx, sm = feats.pop()
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            m = F.interpolate(m, scale_factor=2.0, mode="nearest")
            # one mask shared by all channels: the union of the two inputs' masks (the
            # channels of an invalid input are zero there already)
            x, m = layer(torch.cat([x, sx], 1), torch.maximum(m, sm))
            if i < len(self.up) - 1:
                x = F.leaky_relu(x, 0.2)
        mean = self.out(x)[..., :h, :w]
        return unfold_bands(mean, b), None
