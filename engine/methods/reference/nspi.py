"""NSPI, the Neighborhood Similar Pixel Interpolator (Chen, Zhu, Vogelmann, Gao, Jin 2011,
"A simple and effective method for filling gaps in Landsat ETM+ SLC-off images", Remote Sensing
of Environment 115:1053-1064).

Why it works: pixels that look alike on the reference date are likely the same land cover, so
they behave alike on the target date. For each gap pixel the similar pixels are chosen on the
reference (root-mean-square spectral difference to the gap pixel below 2*std/m of the reference
in the window, m = 5 classes) among pixels valid on both dates, in a window grown until at least
20 are found. Their weights fall with spectral difference and distance. Two predictions are
blended: spatial (weighted mean of the similar pixels on the target) and temporal (the gap
pixel's reference value plus the similar pixels' weighted mean change), each weighted by how
small its own error proxy is (R1: how unlike the gap pixel the similar pixels were on the
reference; R2: how much they changed).

Vectorised over the gap pixels of a tile: Python loops run over window sizes and offsets only.
Bands the reference lacks are predicted spatially (still with similar pixels chosen on the
bands it has).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from engine.methods.reference.local_stats import masked_mean_std
from engine.methods.reference.priority import nearest_first
from engine.methods.reference.types import Fallback, Reference

CLASSES = 5
MIN_SIMILAR = 20
# Window half-sizes tried in turn (11 to 41 px): an 11 px window sees no target pixel from the
# middle of a 14 px swath-edge gap, so the growth is what reaches across the widest gaps.
HALF_SIZES = (5, 8, 11, 14, 17, 20)
# At the largest window, this many similar pixels still give a prediction; fewer go to the
# next reference date or the fallback.
MIN_SIMILAR_AT_LARGEST = 5
HALO_PX = HALF_SIZES[-1]
_EPS = 1e-6


class NspiFill:
    """NSPI as a reference fill; `fallback` fills what no reference predicts. The defaults are the
    paper's (20 similar pixels, windows 11-41 px, 5 classes)."""

    def __init__(self, fallback: Fallback, min_similar: int = MIN_SIMILAR,
                 half_sizes: Sequence[int] = HALF_SIZES, classes: int = CLASSES):
        self.fallback = fallback
        self.min_similar = int(min_similar)
        self.half_sizes = tuple(int(h) for h in half_sizes)
        self.classes = classes

    def fill(self, values, known, refs, where=None):
        return nearest_first(values, known, refs, self, self.fallback, where)

    def predict(self, values: np.ndarray, known: np.ndarray, ref: Reference,
                where: np.ndarray | None = None) -> tuple:
        """NSPI for the target's gap pixels (those in `where` when given) where `ref` is valid in
        all the bands it has, growing the window until enough similar pixels are found; ok is
        False where none is found even in the largest window."""
        bands = values.shape[0]
        pred = np.zeros_like(values, dtype=np.float32)
        ok = np.zeros(values.shape, dtype=bool)
        present = np.flatnonzero(ref.known.any(axis=(1, 2)))
        if present.size == 0:
            return pred, ok
        ref_ok = ref.known[present].all(axis=0)
        target_ok = known.all(axis=0)
        wanted = ~target_ok & ref_ok
        if where is not None:
            wanted &= where.any(axis=0)
        ys, xs = np.nonzero(wanted)
        if ys.size == 0:
            return pred, ok
        ref_vals = np.where(ref.known[present], ref.values[present], 0).astype(np.float32)
        grid = _PaddedGrid(ref_vals, np.where(known, values, 0).astype(np.float32),
                           target_ok & ref_ok, present, max(self.half_sizes))
        threshold = self._thresholds(ref_vals, ref_ok)[ys, xs]
        active = np.arange(ys.size)
        sums = _Sums(grid, grid.flat_index(ys, xs), threshold)
        out = np.zeros((bands, ys.size), dtype=np.float32)
        done = np.zeros(ys.size, dtype=bool)
        inner = 0
        for level, half in enumerate(self.half_sizes):
            sums.add_ring(grid, inner, half, self.half_sizes[0])
            inner = half
            last = level == len(self.half_sizes) - 1
            enough = sums.count >= (MIN_SIMILAR_AT_LARGEST if last else self.min_similar)
            out[:, active[enough]] = sums.blend(grid, enough)
            done[active[enough]] = True
            active = active[~enough]
            sums = sums.subset(~enough)
            if active.size == 0:
                break
        pred[:, ys[done], xs[done]] = out[:, done]
        ok[:, ys[done], xs[done]] = True
        return pred, ok

    def _thresholds(self, ref_vals: np.ndarray, ref_ok: np.ndarray) -> np.ndarray:
        """The paper's similarity threshold, 2 * std / classes averaged over the bands, with the
        std taken over the largest window (local, so a tile's thresholds do not depend on where
        the tile was cut, and fixed per pixel, so the window grows by rings)."""
        half = max(self.half_sizes)
        std = np.stack([masked_mean_std(band, ref_ok, half)[2] for band in ref_vals])
        return (2.0 * std / self.classes).mean(axis=0).astype(np.float32)


class _PaddedGrid:
    """Reference bands, target bands and the both-valid mask, padded by the largest window and
    flattened, so every offset of every gap pixel is one gather."""

    def __init__(self, ref_vals: np.ndarray, target_vals: np.ndarray, both_ok: np.ndarray,
                 present: np.ndarray, pad: int):
        self.pad, self.n_ref = pad, ref_vals.shape[0]
        # rows of the target bands the reference also has, to measure the change between dates
        self.shared_rows = self.n_ref + present
        feats = np.concatenate([ref_vals, target_vals])
        feats = np.pad(feats, ((0, 0), (pad, pad), (pad, pad)))
        self.width = feats.shape[2]
        self.feats = feats.reshape(feats.shape[0], -1)
        self.both_ok = np.pad(both_ok, pad).ravel()

    def flat_index(self, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        return (ys + self.pad) * self.width + (xs + self.pad)


class _Sums:
    """Running sums over the similar pixels of each gap pixel still being grown."""

    def __init__(self, grid: _PaddedGrid, centre: np.ndarray, threshold: np.ndarray):
        n, n_ref = centre.size, grid.n_ref
        self.centre, self.threshold = centre, threshold
        self.ref_c = grid.feats[:n_ref, centre]
        self.count = np.zeros(n, dtype=np.int32)
        self.weight = np.zeros(n, dtype=np.float32)
        self.feats = np.zeros((grid.feats.shape[0], n), dtype=np.float32)  # weighted values
        self.r1 = np.zeros(n, dtype=np.float32)  # weighted spectral distance on the reference
        self.r2 = np.zeros(n, dtype=np.float32)  # weighted change between the dates

    def subset(self, keep: np.ndarray) -> "_Sums":
        other = object.__new__(_Sums)
        for name, value in vars(self).items():
            setattr(other, name, value[..., keep])
        return other

    def add_ring(self, grid: _PaddedGrid, inner: int, outer: int, scale: int) -> None:
        """Add the candidates at Chebyshev distance inner < d <= outer from each centre.

        Similarity is tested for every centre, the sums are updated for the similar ones only
        (few, in the outer rings, where most centres have already stopped growing)."""
        n_ref = grid.n_ref
        ref_rows = grid.feats[:n_ref]
        limit = n_ref * self.threshold ** 2
        for dy in range(-outer, outer + 1):
            for dx in range(-outer, outer + 1):
                if max(abs(dy), abs(dx)) <= inner:
                    continue
                idx = self.centre + (dy * grid.width + dx)
                diff = np.take(ref_rows, idx, axis=1) - self.ref_c
                sq = (diff * diff).sum(axis=0)
                sel = np.flatnonzero(np.take(grid.both_ok, idx) & (sq <= limit))
                if sel.size == 0:
                    continue
                # Normalised distance 1 + d / (first half-size), as in STARFM-type weights: at
                # least 1, so a spectrally identical neighbour does not take all the weight.
                dist = 1.0 + np.hypot(dy, dx) / scale
                wgt = (1.0 / ((np.sqrt(sq[sel] / n_ref) + _EPS) * dist)).astype(np.float32)
                g = np.take(grid.feats, idx[sel], axis=1)
                self.count[sel] += 1
                self.weight[sel] += wgt
                self.feats[:, sel] += wgt * g
                self.r1[sel] += wgt * (np.abs(g[:n_ref] - self.ref_c[:, sel]).sum(axis=0) / n_ref)
                self.r2[sel] += wgt * (np.abs(g[grid.shared_rows] - g[:n_ref]).sum(axis=0)
                                       / n_ref)

    def blend(self, grid: _PaddedGrid, keep: np.ndarray) -> np.ndarray:
        """The paper's combination: T1 = (1/R1) / (1/R1 + 1/R2) on the spatial prediction, the
        rest on the temporal one; bands without a reference value get the spatial one alone."""
        n_ref = grid.n_ref
        weight = self.weight[keep]
        mean = self.feats[:, keep] / weight
        spatial = mean[n_ref:].copy()
        temporal = self.ref_c[:, keep] + (mean[grid.shared_rows] - mean[:n_ref])
        r1 = self.r1[keep] / weight + _EPS
        r2 = self.r2[keep] / weight + _EPS
        t1 = r2 / (r1 + r2)
        rows = grid.shared_rows - n_ref
        spatial[rows] = t1 * spatial[rows] + (1.0 - t1) * temporal
        return spatial
