"""On-grid SetConv (Gordon et al. 2020): a positive convolution applied to the observed signal
y*m and to the mask m; the normalised signal (signal / density, a kernel-smoothing interpolant
of the observed pixels) and the density are the model's functional representation of the
context set.

`levels` > 1 adds wider SetConvs computed on 2x, 4x, ... average-pooled grids and upsampled
back (cheap on CPU): an SLC-off gap is up to ~17 px wide, so a 9 px kernel has no data at a
wide gap's centre, while the pooled levels reach 30+ px. Pooling is aligned to the 2**(levels-1)
grid, which tile origins keep (see NEURAL_HALO_PX), so tiles agree with whole-scene fills."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def _sep_blur(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Separable blur of every image in (n, 1, h, w) with 1-D kernel k: all images as the
    channels of ONE image, depthwise and channels-last (oneDNN is ~8x faster there than on a
    batch of single-channel images)."""
    n, _, h, w = x.shape
    p = k.numel() // 2
    y = x.reshape(1, n, h, w).contiguous(memory_format=torch.channels_last)
    y = F.conv2d(y, k.view(1, 1, 1, -1).expand(n, 1, 1, -1), padding=(0, p), groups=n)
    y = F.conv2d(y, k.view(1, 1, -1, 1).expand(n, 1, -1, 1), padding=(p, 0), groups=n)
    return y.reshape(n, 1, h, w)


class SetConv(nn.Module):
    """Returns, per band, [interp_l, density_l for each level l] + [y*m, m]: 2*levels + 2
    channels. Kernels are positive (stored as logs) and separable k(x) k(y); always computed
    in float32, also under autocast."""

    def __init__(self, kernel_px: int = 9, init_sigma_px: float = 2.0, levels: int = 1,
                 unit_density: bool = False):
        super().__init__()
        # unit_density: divide each density by its value on fully observed ground (so it lies
        # in [0, 1] like the values; the raw density is the kernel's squared sum, ~10-20)
        self.unit_density = unit_density
        if kernel_px % 2 == 0:
            raise ValueError("SetConv kernel size must be odd")
        r = torch.arange(kernel_px, dtype=torch.float32) - kernel_px // 2
        self.log_kernels = nn.Parameter(
            (-(r ** 2) / (2 * init_sigma_px ** 2)).repeat(levels, 1))
        self.levels = levels
        self.multiple = 2 ** (levels - 1)
        self.out_channels = 2 * levels + 2

    def forward(self, values: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        """`values`, `known` (n, 1, h, w), bands folded into n; returns (n, 2*levels + 2, h, w), in
        float32 also under autocast, so the interpolants the mean is built on carry no bf16 rounding
        (only the CNN's residual does)."""
        out = values.new_empty((values.shape[0], self.out_channels) + values.shape[2:],
                               dtype=torch.float32)
        self.write(values, known, out[:, :2 * self.levels], out[:, 2 * self.levels:])
        return out

    def write(self, values: torch.Tensor, known: torch.Tensor, levels_out: torch.Tensor,
              observed_out: torch.Tensor) -> None:
        """The features written into views of a caller's buffer: [interp_l, density_l per level]
        into `levels_out`, [y*m, m] into `observed_out`; so a model assembles its input in one
        (channels-last) tensor instead of concatenating copies of full-resolution maps."""
        with torch.autocast(values.device.type, enabled=False):
            values, known = values.float(), known.float()
            ym = values * known
            observed_out[:, 0:1] = ym
            observed_out[:, 1:2] = known
            both = torch.cat([ym, known], 0)
            h, w = both.shape[-2:]
            for level in range(self.levels):
                k = torch.exp(self.log_kernels[level].float())
                f = 2 ** level
                x = F.avg_pool2d(both, f, ceil_mode=True) if f > 1 else both
                x = _sep_blur(x, k)
                if f > 1:
                    x = F.interpolate(x, scale_factor=float(f), mode="bilinear",
                                      align_corners=False)[..., :h, :w]
                signal, density = x.chunk(2, 0)
                levels_out[:, 2 * level:2 * level + 1] = signal / density.clamp_min(1e-5)
                if self.unit_density:
                    density = density / k.sum() ** 2
                levels_out[:, 2 * level + 1:2 * level + 2] = density
