"""The CNNs inside the neural processes: the paper's depthwise-separable ResNet and a small
U-Net that is one to two orders of magnitude faster on CPU."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from engine.models.blocks import BandMix, conv3


class ResBlock(nn.Module):
    """Pre-activation residual block (Neural Process Family "ResConvBlock"): BN-ReLU-depthwise
    kxk-pointwise, BN-ReLU-depthwise kxk, + input, then pointwise."""

    def __init__(self, channels: int, kernel_px: int = 9):
        super().__init__()
        p = kernel_px // 2
        self.n1 = nn.BatchNorm2d(channels)
        self.dw1 = nn.Conv2d(channels, channels, kernel_px, padding=p, groups=channels)
        self.pw1 = nn.Conv2d(channels, channels, 1)
        self.n2 = nn.BatchNorm2d(channels)
        self.dw2 = nn.Conv2d(channels, channels, kernel_px, padding=p, groups=channels)
        self.pw_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One pre-activation residual block on (n, channels, h, w)."""
        h = self.pw1(self.dw1(F.relu(self.n1(x))))
        h = self.dw2(F.relu(self.n2(h)))
        return self.pw_out(h + x)


class ResNetCNN(nn.Module):
    """`layers` conv layers = layers // 2 residual blocks at constant width (the paper's
    ConvCNP: 10 layers, 128 channels, depthwise 9x9: receptive field about 91 px)."""

    multiple = 1

    def __init__(self, c_in: int, channels: int = 128, layers: int = 10, kernel_px: int = 9,
                 band_mix: bool = False):
        super().__init__()
        self.inp = nn.Conv2d(c_in, channels, 1)
        self.blocks = nn.ModuleList([ResBlock(channels, kernel_px) for _ in range(layers // 2)])
        self.mix = BandMix(channels) if band_mix else None
        self.out_channels = channels

    def forward(self, x, bands: int = 1, band_weight=None):
        """`bands` and `band_weight` describe how bands are folded into the batch, for the band
        mixer after the input layer."""
        return self.forward_owned([x], bands, band_weight)

    # the input layer, which a caller may compute part by part (see UNetCNN.first_conv); no
    # ReLU follows it here
    first_relu = False

    @property
    def first_conv(self) -> nn.Conv2d:
        """The input layer (1x1)."""
        return self.inp

    def forward_owned(self, holder: list, bands: int = 1, band_weight=None,
                      first_done: bool = False):
        """`forward` on the one tensor in `holder`, freed after the input layer (as UNetCNN's);
        `first_done`: the tensor is already the input layer's output."""
        x = holder.pop()
        x = x if first_done else self.inp(x)
        if self.mix is not None:
            x = self.mix(x, bands, band_weight)
        for block in self.blocks:
            x = block(x)
        return x


class UNetCNN(nn.Module):
    """U-Net: resolutions with widths `channels`, `convs[i]` 3x3 convs at encoder level i, one
    3x3 conv after each upsampling (skips are added); band mixing (if asked) at levels
    >= `mix_from`, where it is cheap. Input h, w must be multiples of 2**(levels-1).

    Average pooling and bilinear upsampling only: with tiles whose origins are multiples of
    2**(levels-1) the output does not depend on where a tile starts (no seams)."""

    def __init__(self, c_in: int, channels=(16, 32, 48, 64), band_mix: bool = False,
                 convs=None, mix_from: int = 1):
        super().__init__()
        channels = tuple(channels)
        convs = tuple(convs) if convs is not None else (2,) * len(channels)
        self.multiple = 2 ** (len(channels) - 1)
        self.enc = nn.ModuleList()
        c = c_in
        for ch, n in zip(channels, convs):
            layers = [conv3(c if i == 0 else ch, ch) for i in range(n)]
            self.enc.append(nn.Sequential(*layers))
            c = ch
        # decoder: project the coarse features to the finer width (1x1, at the coarse
        # resolution: cheap), upsample, ADD the skip (no concatenation copy), one 3x3 conv
        self.proj = nn.ModuleList(
            [nn.Conv2d(channels[i + 1], channels[i], 1) for i in range(len(channels) - 1)])
        self.dec = nn.ModuleList([conv3(channels[i], channels[i]) for i in range(len(channels) - 1)])
        self.mix_from = mix_from
        self.mix = nn.ModuleDict({str(i): BandMix(channels[i]) for i in range(mix_from, len(channels))}
                                 ) if band_mix else None
        self.out_channels = channels[0]

    def forward(self, x, bands: int = 1, band_weight=None):
        """`x` (n, c, h, w) with h, w multiples of 2**(levels-1); `bands` and `band_weight` as for
        BandMix. Returns the full-resolution features."""
        return self.forward_owned([x], bands, band_weight)

    first_relu = True    # the input convolution is followed by a ReLU

    @property
    def first_conv(self) -> nn.Conv2d:
        """The input convolution: a caller whose input is a concatenation may compute it part by
        part, apply the ReLU, and go on with `forward_owned(..., first_done=True)`."""
        return self.enc[0][0][0]

    def forward_owned(self, holder: list, bands: int = 1, band_weight=None,
                      first_done: bool = False):
        """`forward` on the one tensor in `holder`, which it takes out: when the caller holds no
        other reference, the input (the widest map of a fill model, 22 channels at full
        resolution) is freed as soon as the first convolution has read it, not at the end.
        `first_done`: the tensor is already the first convolution's output, after its ReLU."""
        x = holder.pop()
        skips = []
        for i, enc in enumerate(self.enc):
            if i > 0:
                x = F.avg_pool2d(x, 2)
            x = enc[1:](x) if (i == 0 and first_done) else enc(x)
            if self.mix is not None and str(i) in self.mix:
                x = self.mix[str(i)](x, bands, band_weight)
            skips.append(x)
        # at inference the skip is added into in place: one full-resolution map less (autograd
        # needs the skip, a ReLU output, unchanged)
        in_place = not torch.is_grad_enabled()
        for i in range(len(self.dec) - 1, -1, -1):
            x = F.interpolate(self.proj[i](x), scale_factor=2.0, mode="bilinear",
                              align_corners=False)
            x = self.dec[i](skips[i].add_(x) if in_place else x + skips[i])
            skips[i] = None
        return x


def build_cnn(kind: str, c_in: int, cfg: dict, band_mix: bool) -> nn.Module:
    """Build the CNN named in a config (`resnet` or `unet`) from its config dict; an unknown kind is
    a ValueError because cards are checked before this is reached."""
    if kind == "resnet":
        return ResNetCNN(c_in, cfg.get("channels", 128), cfg.get("layers", 10),
                         cfg.get("kernel_px", 9), band_mix)
    if kind == "unet":
        return UNetCNN(c_in, tuple(cfg.get("channels", (16, 32, 48, 64))), band_mix,
                       cfg.get("convs"), cfg.get("mix_from", 1))
    raise ValueError(f"unknown CNN kind {kind!r} (resnet or unet)")
