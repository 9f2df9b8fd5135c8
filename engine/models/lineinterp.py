"""Directional (edge-directed) interpolants: for each of a few slopes, every pixel takes the
first observed pixel along that line above it and below it (within `max_rows`) and
interpolates between them by inverse distance. SLC-off gaps are near-horizontal stripes, so a
line crossing the gap meets observed pixels on both sides; which slope is right depends on the
edges around the pixel, and the model learns to choose (a per-pixel softmax in the ConvCNP).

Computed with a shear per slope (the line becomes a column) and running max/min scans: O(pixels)
per slope, no learned weights, float32. The search never goes beyond `max_rows` rows (and
max_rows * |slope| columns), which the runner's halo covers, so tiles agree with whole scenes.
"""
from __future__ import annotations

import math

import torch
from torch import nn

_NONE_ABOVE, _NONE_BELOW = -(1 << 14), 1 << 14   # "no observed pixel" markers (int16 rows)
MAX_ROWS = (1 << 14) - 1


def _running(x: torch.Tensor, steps: int, largest: bool) -> torch.Tensor:
    """Running max over the rows above (largest) or min over the rows below, each reaching
    2**steps - 1 rows, by doubling (much faster than cummax/cummin on CPU)."""
    for i in range(steps):
        d = 1 << i
        if d >= x.shape[1]:
            break
        y = x.clone()
        if largest:
            torch.maximum(x[:, d:], x[:, :-d], out=y[:, d:])
        else:
            torch.minimum(x[:, :-d], x[:, d:], out=y[:, :-d])
        x = y
    return x


def _scan_interp(sv: torch.Tensor, sk: torch.Tensor, max_rows: int, step: float):
    """Down the columns of (n, h, w) values/known: inverse-distance interpolation between the
    first known pixel above and below (within max_rows), and reach = 1 / their distance (px
    along the line, `step` px per row) where both exist, else 0."""
    n, h, w = sv.shape
    # row indices as int16 (4x faster scans than float32; rows < 2**14, checked by the caller)
    r = torch.arange(h, device=sv.device, dtype=torch.int16).view(1, h, 1)
    steps = max(1, int(math.ceil(math.log2(max_rows + 1))))
    known = sk > 0
    up = _running(torch.where(known, r, _NONE_ABOVE), steps, largest=True)
    dn = _running(torch.where(known, r, _NONE_BELOW), steps, largest=False)
    v_up = torch.gather(sv, 1, up.clamp(0, h - 1).long())
    v_dn = torch.gather(sv, 1, dn.clamp(0, h - 1).long())
    d_up, d_dn = (r - up).float(), (dn - r).float()
    w_up = (d_up <= max_rows) / d_up.clamp_min(1)
    w_dn = (d_dn <= max_rows) / d_dn.clamp_min(1)
    interp = (w_up * v_up + w_dn * v_dn) / (w_up + w_dn).clamp_min(1e-6)
    reach = ((w_up > 0) & (w_dn > 0)) / ((d_up + d_dn).clamp_min(1) * step)
    return interp, reach


def _line_interp(v: torch.Tensor, k: torch.Tensor, slope: float, max_rows: int):
    """v, k: (n, h, w) float (k in {0, 1}, v zero where unknown). Shears the image so that the
    line of `slope` (columns per row) through each pixel becomes a column, scans, shears back."""
    n, h, w = v.shape
    if h > MAX_ROWS:
        raise ValueError(f"line interpolants handle at most {MAX_ROWS} rows per tile, got {h}")
    step = math.hypot(1.0, slope)
    if slope == 0:
        return _scan_interp(v, k, max_rows, step)
    dev = v.device
    off = torch.round(slope * torch.arange(h, device=dev, dtype=torch.float32)).long()
    j0 = int(min(0, -int(off.max())))
    wj = w + int(off.abs().max())
    cols = torch.arange(j0, j0 + wj, device=dev)[None, :] + off[:, None]   # (h, wj)
    inside = ((cols >= 0) & (cols < w)).to(v.dtype)
    idx = cols.clamp(0, w - 1).expand(n, h, wj)
    interp, reach = _scan_interp(torch.gather(v, 2, idx), torch.gather(k, 2, idx) * inside,
                                 max_rows, step)
    back = (torch.arange(w, device=dev)[None, :] - off[:, None] - j0).expand(n, h, w)
    return torch.gather(interp, 2, back), torch.gather(reach, 2, back)


class LineInterp(nn.Module):
    """Per band: [interp_s, reach_s for each slope s] (2 * len(slopes) channels)."""

    def __init__(self, slopes=(-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0), max_rows: int = 24):
        super().__init__()
        self.slopes = tuple(float(s) for s in slopes)
        self.max_rows = max_rows
        self.out_channels = 2 * len(self.slopes)

    def forward(self, values: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        with torch.autocast(values.device.type, enabled=False):
            v, k = values.float()[:, 0], known.float()[:, 0]
            feats = []
            for s in self.slopes:
                interp, reach = _line_interp(v * k, k, s, self.max_rows)
                feats += [torch.where(k > 0, v, interp), reach]
            return torch.stack(feats, 1)
