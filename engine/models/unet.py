"""U-Net baseline (Ronneberger et al. 2015): the masked image and its mask in, the image out.
Same backbone as the fast ConvCNP's CNN, so the comparison isolates what the neural-process
parts add (SetConv density channels, interpolant residual, predicted std)."""
from __future__ import annotations

import torch
from torch import nn

from engine.models.blocks import fold_bands, unfold_bands
from engine.models.cnn import UNetCNN
from engine.models.padding import pad_features


class UNet(nn.Module):
    """The plain U-Net baseline: [masked band, mask] in, the band out, one band at a time with band
    mixing in the coarse levels; a mean only, no std."""

    def __init__(self, channels=(12, 24, 48, 64), band_mix: bool = True, convs=None,
                 mix_from: int = 2):
        super().__init__()
        self.cnn = UNetCNN(2, tuple(channels), band_mix, convs, mix_from)
        self.out = nn.Conv2d(self.cnn.out_channels, 1, 1)

    def forward(self, values, known, band_weight=None, **_):
        """(mean (b, bands, h, w), None): no std."""
        b, nb = values.shape[:2]
        y, m = fold_bands(values, known)
        x, h, w = pad_features(torch.cat([y * m, m], 1), self.cnn.multiple)
        mean = self.out(self.cnn(x, nb, band_weight))[..., :h, :w]
        return unfold_bands(mean, b), None
