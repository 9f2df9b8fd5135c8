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
        y = torch.empty_like(x)
        if largest:
            y[:, :d] = x[:, :d]
            torch.maximum(x[:, d:], x[:, :-d], out=y[:, d:])
        else:
            y[:, -d:] = x[:, -d:]
            torch.minimum(x[:, :-d], x[:, d:], out=y[:, :-d])
        x = y
    return x


def _nearest_known_rows(k: torch.Tensor, max_rows: int):
    """For (n, h, w) known flags (one column = one line), the row of the first known pixel at or
    above / at or below each pixel (int16; the _NONE markers where there is none)."""
    h = k.shape[1]
    r = torch.arange(h, device=k.device, dtype=torch.int16).view(1, h, 1)
    steps = max(1, int(math.ceil(math.log2(max_rows + 1))))
    up = _running(torch.where(k, r, _NONE_ABOVE), steps, largest=True)
    dn = _running(torch.where(k, r, _NONE_BELOW), steps, largest=False)
    return up, dn


class _Gaps:
    """Flat positions of the unknown pixels of a (g, h, w) stack of masks, shared by every slope
    and by every band that has one of these masks."""

    def __init__(self, known: torch.Tensor):
        g, h, w = known.shape
        self.shape = (g, h, w)
        self.flat = torch.nonzero(~known.reshape(-1)).squeeze(1)
        self.b, rc = self.flat // (h * w), self.flat % (h * w)
        self.r, self.c = rc // w, rc % w


def _line_sources(known: torch.Tensor, gaps: _Gaps, slope: float, max_rows: int):
    """For a (g, h, w) stack of known masks: per unknown pixel, the flat positions (in the
    stack) of the first known pixel above and below it along the line of `slope` (columns per
    row) within max_rows rows, their inverse-distance weights (0 where there is none) and the
    reach, 1 / their distance along the line where both exist, else 0.

    The search runs in a sheared frame where each line is a column (cheap int16 scans) and
    depends on the masks only, so bands that share a mask (SLC-off gaps cross every band) share
    it; the float work is then done only at the unknown pixels."""
    g, h, w = known.shape
    dev = known.device
    step = math.hypot(1.0, slope)
    off = torch.round(slope * torch.arange(h, device=dev, dtype=torch.float32)).long()
    if slope == 0:
        up, dn = _nearest_known_rows(known, max_rows)
    else:
        j0 = int(min(0, -int(off.max())))
        wj = w + int(off.abs().max())
        cols = torch.arange(j0, j0 + wj, device=dev)[None, :] + off[:, None]   # (h, wj)
        inside = (cols >= 0) & (cols < w)
        ks = torch.gather(known, 2, cols.clamp(0, w - 1).expand(g, h, wj)) & inside
        up_s, dn_s = _nearest_known_rows(ks, max_rows)
        back = (torch.arange(w, device=dev)[None, :] - off[:, None] - j0).expand(g, h, w)
        up, dn = torch.gather(up_s, 2, back), torch.gather(dn_s, 2, back)
    b, r, c = gaps.b, gaps.r, gaps.c
    u, d = up.reshape(-1)[gaps.flat].long(), dn.reshape(-1)[gaps.flat].long()
    d_up, d_dn = (r - u).float(), (d - r).float()
    w_up = (d_up <= max_rows) / d_up.clamp_min(1)
    w_dn = (d_dn <= max_rows) / d_dn.clamp_min(1)
    uc, dc = u.clamp(0, h - 1), d.clamp(0, h - 1)
    # the line through (r, c) meets row u at column c - off[r] + off[u] (inside when u is found)
    src_up = (b * h + uc) * w + (c - off[r] + off[uc]).clamp(0, w - 1)
    src_dn = (b * h + dc) * w + (c - off[r] + off[dc]).clamp(0, w - 1)
    reach = ((w_up > 0) & (w_dn > 0)) / ((d_up + d_dn).clamp_min(1) * step)
    norm = (w_up + w_dn).clamp_min(1e-6)
    return src_up, src_dn, w_up / norm, w_dn / norm, reach


class LineInterp(nn.Module):
    """Per band: [interp_s, reach_s for each slope s] (2 * len(slopes) channels)."""

    def __init__(self, slopes=(-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0), max_rows: int = 24):
        super().__init__()
        self.slopes = tuple(float(s) for s in slopes)
        self.max_rows = max_rows
        self.out_channels = 2 * len(self.slopes)

    def forward(self, values: torch.Tensor, known: torch.Tensor,
                out: torch.Tensor | None = None, searches: dict | None = None) -> torch.Tensor:
        """`values`, `known` (n, 1, h, w), bands folded into n; always float32, also under autocast.
        On observed pixels each interpolant is the value and the reach 1 / step; in the gaps,
        inverse-distance interpolation between the first observed pixels above and below along
        the line. `out`: a view of the caller's buffer (any memory layout) to write into.
        When every image has the same mask (an SLC-off tile's bands) the search runs once for
        all of them, else once for the stack of masks (training crops). `searches`: a dict the
        caller keeps across calls (band by band): the last call's searches, reused while the
        next call has the same masks.
        Tiles taller than MAX_ROWS are refused (ValueError): rows are tracked as int16."""
        with torch.autocast(values.device.type, enabled=False):
            k = known[:, 0] > 0
            v = values.float()[:, 0] * k
            n, h, w = v.shape
            if h > MAX_ROWS:
                raise ValueError(f"line interpolants handle at most {MAX_ROWS} rows per tile, got {h}")
            if out is None:
                out = v.new_empty((n, self.out_channels, h, w))
            for i, s in enumerate(self.slopes):
                out[:, 2 * i] = v
                out[:, 2 * i + 1] = 1.0 / math.hypot(1.0, s)
            shared = n == 1 or bool((k == k[:1]).all())
            gaps, sources = self._searches(k[:1] if shared else k,
                                           {} if searches is None else searches)
            if gaps.flat.numel() == 0:
                return out
            # shared: one mask's positions index every band's row; else the stack's own
            flat_v = v.reshape(n, h * w) if shared else v.reshape(-1)
            at = (slice(None), gaps.r, gaps.c) if shared else (gaps.b, gaps.r, gaps.c)
            for i, (src_up, src_dn, w_up, w_dn, reach) in enumerate(sources):
                pick = (lambda src: flat_v[:, src]) if shared else (lambda src: flat_v[src])
                out[:, 2 * i][at] = w_up * pick(src_up) + w_dn * pick(src_dn)
                out[:, 2 * i + 1][at] = reach
            return out

    def _searches(self, masks: torch.Tensor, cache: dict):
        """(gaps, per-slope sources) of a (g, h, w) mask stack, from `cache` when it holds the
        same masks."""
        held = cache.get("masks")
        if held is None or held.shape != masks.shape or not torch.equal(held, masks):
            gaps = _Gaps(masks)
            sources = ([_line_sources(masks, gaps, s, self.max_rows) for s in self.slopes]
                       if gaps.flat.numel() else [])
            cache.update(masks=masks, gaps=gaps, sources=sources)
        return cache["gaps"], cache["sources"]
