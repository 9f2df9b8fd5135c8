"""The water-seasonality network: a temporal 3-D convolution followed by a 2-D U-Net, after the
downstream model of Pondaven et al. (2022, Figure 2), made to take any number of dates.

Per date and pixel the input is red, NIR, SWIR1 reflectance clipped to [0, 1], three normalised
differences of them ((red-SWIR1), (NIR-red), (NIR-SWIR1) over their sums) and a validity flag;
invalid dates are zeros. Two 3-D convolutions (1x3x3 then 3x3x3 over date x row x column)
give per-date features that see the neighbouring dates; features of invalid date-pixels are
zeroed after each convolution, so a fully clouded date is the same as no date. Masked mean, max
and min over the valid dates (plus the number of valid dates) pool them into one 2-D map
whatever the number of dates; a 3-level U-Net turns that into logits for classes 1 (not water),
2 (seasonal), 3 (permanent). No normalisation layers: the output does not depend on the tile
size, so tiles with a halo give exactly the whole-scene answer.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

FEATURES_PER_DATE = 7   # red, nir, swir1, 3 normalised differences, valid
DEPTH_MULTIPLE = 4      # two 2x poolings


def date_features(refl: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """refl (B, T, 3, H, W) reflectance, valid (B, T, H, W) -> (B, 7, T, H, W)."""
    m = valid.unsqueeze(2).to(refl.dtype)
    x = refl.clamp(0.0, 1.0) * m
    r, n, s = x[:, :, 0:1], x[:, :, 1:2], x[:, :, 2:3]

    def nd(a, b):
        return (a - b) / (a + b).clamp_min(1e-3)

    feats = torch.cat([x, nd(r, s) * m, nd(n, r) * m, nd(n, s) * m, m], dim=2)
    return feats.permute(0, 2, 1, 3, 4).contiguous()


def _conv2(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(c_out, c_out, 3, padding=1), nn.ReLU(inplace=True))


class UNet2d(nn.Module):
    """Not engine.models.cnn.UNetCNN: max pooling, nearest upsampling, concatenated skips and two
    convs per decoder level (UNetCNN: average pooling, bilinear, added skips, one conv), so the
    shipped water weights only fit this one."""

    def __init__(self, c_in: int, channels=(16, 32, 48), classes: int = 3):
        super().__init__()
        c1, c2, c3 = channels
        self.enc1, self.enc2, self.bottom = _conv2(c_in, c1), _conv2(c1, c2), _conv2(c2, c3)
        self.dec2, self.dec1 = _conv2(c3 + c2, c2), _conv2(c2 + c1, c1)
        self.head = nn.Conv2d(c1, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits (n, classes, h, w) for pooled features (n, c_in, h, w)."""
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        b = self.bottom(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([F.interpolate(b, size=e2.shape[-2:], mode="nearest"), e2], 1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, size=e1.shape[-2:], mode="nearest"), e1], 1))
        return self.head(d1)


class WaterNet(nn.Module):
    """(refl (B, T, 3, H, W), valid (B, T, H, W)) -> logits (B, 3, H, W) for classes 1-3."""

    def __init__(self, temporal_channels: int = 12, channels=(16, 32, 48), classes: int = 3):
        super().__init__()
        tc = temporal_channels
        self.per_date = nn.Conv3d(FEATURES_PER_DATE, tc, (1, 3, 3), padding=(0, 1, 1))
        self.across_dates = nn.Conv3d(tc, tc, (3, 3, 3), padding=(1, 1, 1))
        self.unet = UNet2d(3 * tc + 1, tuple(channels), classes)

    def temporal(self, x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        """Both 3-D convolutions; features of invalid date-pixels are zeroed after each, so a
        missing date is exactly the convolution's zero padding (order of valid dates kept)."""
        x = F.relu(_per_date_conv(self.per_date, x)) * m
        return F.relu(_across_dates_conv(self.across_dates, x)) * m

    def forward(self, refl: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Logits (B, 3, H, W) for classes 1-3 from `refl` (B, T, 3, H, W) and `valid` (B, T, H, W);
        any T, any H and W (padded internally to the U-Net's multiple and cropped back)."""
        valid = valid.to(torch.bool)
        h, w = refl.shape[-2:]
        ph, pw = (-h) % DEPTH_MULTIPLE, (-w) % DEPTH_MULTIPLE
        if ph or pw:
            flat = F.pad(refl.flatten(1, 2), (0, pw, 0, ph), mode="replicate")
            refl = flat.unflatten(1, refl.shape[1:3])
            valid = F.pad(valid.float(), (0, pw, 0, ph), mode="replicate") > 0.5
        m = valid.unsqueeze(1)                                  # (B, 1, T, H, W)
        f = self.temporal(date_features(refl, valid), m.to(refl.dtype))  # (B, C, T, H, W)
        count = m.sum(2).to(f.dtype)
        # f is already 0 at invalid date-pixels (`temporal`), so its plain sum is the masked
        # sum; max and min mask in one copy each (the full-resolution maps of a tile are the
        # water job's peak memory)
        mean = f.sum(2) / count.clamp_min(1.0)
        big = torch.finfo(f.dtype).max
        fmax = f.masked_fill(~m, -big).amax(2)
        fmin = f.masked_fill(~m, big).amin(2)
        del f
        seen = count > 0
        fmax, fmin = torch.where(seen, fmax, 0.0), torch.where(seen, fmin, 0.0)
        pooled = torch.cat([mean, fmax, fmin, count.clamp(max=3.0) / 3.0], 1)
        return self.unet(pooled)[..., :h, :w]


def _per_date_conv(conv: nn.Conv3d, x: torch.Tensor) -> torch.Tensor:
    """A (1, k, k) Conv3d as one 2-D convolution over every date: the same arithmetic, without
    torch's CPU 3-D convolution, which for some tile shapes (552 x 576 px, not 576 x 576) falls
    back to an im2col buffer of the whole tile: kernel volume x channels x dates x pixels,
    1.2 GB for three dates (measured: the water job peaked at 2.7 GB there)."""
    b, c, t, h, w = x.shape
    flat = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
    out = F.conv2d(flat, conv.weight[:, :, 0], conv.bias, padding=conv.padding[1:])
    return out.reshape(b, t, -1, h, w).permute(0, 2, 1, 3, 4)


def _across_dates_conv(conv: nn.Conv3d, x: torch.Tensor) -> torch.Tensor:
    """A (3, k, k) Conv3d with one date of zero padding as three 2-D convolutions (one per date
    offset) summed date by date: the same result, for the reason in `_per_date_conv`."""
    assert conv.weight.shape[2] == 3 and conv.padding[0] == 1 and conv.bias is not None
    b, c, t, h, w = x.shape
    flat = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)

    def offset(k):
        return F.conv2d(flat, conv.weight[:, :, k], padding=conv.padding[1:]).reshape(b, t, -1, h, w)

    out = offset(1) + conv.bias.view(1, 1, -1, 1, 1)
    if t > 1:   # offset k reads date t + k - 1 (one date alone sees only its own)
        out[:, 1:] += offset(0)[:, :-1]
        out[:, :-1] += offset(2)[:, 1:]
    return out.permute(0, 2, 1, 3, 4)
