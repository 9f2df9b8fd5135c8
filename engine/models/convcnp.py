"""ConvCNP on the pixel grid: SetConv -> CNN -> per-pixel MLP giving a mean and a std per band.

The mean is predicted as a correction to the SetConv's normalised signal (a kernel-smoothing
interpolant of the observed pixels): at initialisation the model is a sensible interpolator
and training only has to learn what interpolation misses (texture, edges across the gap)."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from engine.models.blocks import PixelMLP, fold_bands, positive_std, unfold_bands
from engine.models.cnn import build_cnn
from engine.models.setconv import SetConv


def pad_features(x: torch.Tensor, multiple: int):
    """Zero-pad (b, c, h, w) bottom/right to multiples of `multiple`: zero density = no data."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    return (F.pad(x, (0, pw, 0, ph)) if ph or pw else x), h, w


class ConvCNP(nn.Module):
    def __init__(self, cnn: str = "unet", cnn_cfg: dict | None = None, setconv_px: int = 9,
                 decoder_hidden: int = 32, decoder_layers: int = 2, band_mix: bool = True):
        super().__init__()
        self.setconv = SetConv(setconv_px)
        self.cnn = build_cnn(cnn, SetConv.out_channels, cnn_cfg or {}, band_mix)
        self.head = PixelMLP(self.cnn.out_channels, decoder_hidden, decoder_layers, 2)

    def forward(self, values: torch.Tensor, known: torch.Tensor, band_weight=None, **_):
        b, nb = values.shape[:2]
        y, m = fold_bands(values, known)
        feats = self.setconv(y, m)
        x, h, w = pad_features(feats, self.cnn.multiple)
        out = self.head(self.cnn(x, nb, band_weight))[..., :h, :w]
        mean = feats[:, :1] + out[:, :1]
        std = positive_std(out[:, 1:2])
        return unfold_bands(mean, b), unfold_bands(std, b)
