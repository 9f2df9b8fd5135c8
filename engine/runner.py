"""The one tiled runner every fill method goes through.

For each tile: read core + halo, find the gaps (nodata inside the footprint, or the user's mask),
skip the tile if its core has none, normalise with the scene's statistics, let the method fill,
and write back ONLY the gap pixels; everything else is copied bit for bit from the input.
Memory is bounded by the tile size, not the scene size. On a GPU a network gets several tiles
per call (`tile_batch`), which a GPU needs to be kept busy (on a CPU the values are the same to
the pixel; on CUDA to the rounding of the convolution algorithms it picks per batch size).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from engine.device import resolve_device
from engine.gaps.footprint import gap_halo_px, gap_share, scene_borders, tile_gaps
from engine.io.scene import Scene
from engine.memory import release, release_above
from engine.errors import InputError
from engine.methods import get_method, reference_methods, require
from engine.stats import BandStats, scene_stats
from engine.tiling import (DEFAULT_TILE_PX, CancelFn, ProgressFn, check_tile_size, tile_count,
                           walk_tiles)

log = logging.getLogger(__name__)


# Tiles per network call on a GPU when the user does not say (`tile_batch` 0): 8 tiles of
# 608 px x 4 bands are about 50 MB of input and several GB of activations at the peak; a batch
# that does not fit is split (engine.models.inference.Predictor.many). Not measured yet (no
# GPU was available): docs/benchmarks.md says how to. On a CPU one tile already keeps every
# core busy, so tiles go one by one there.
GPU_TILE_BATCH = 8
MAX_TILE_BATCH = 64


@dataclass(frozen=True)
class RunOptions:
    """What the runner needs besides the scene: a registered method name (resolve `auto` first), the
    tile size (checked here, so a bad --tile fails before any file is opened), the device, and
    how many tiles a network gets per call (0: GPU_TILE_BATCH on a GPU, 1 on a CPU)."""

    method: str
    tile_px: int = DEFAULT_TILE_PX
    device: str = "auto"
    tile_batch: int = 0

    def __post_init__(self):
        check_tile_size(self.tile_px)
        if not 0 <= self.tile_batch <= MAX_TILE_BATCH:
            raise InputError(f"tiles per batch must be between 1 and {MAX_TILE_BATCH} (0: "
                             f"automatic), got {self.tile_batch}")

    def batch_for(self, device: str, method) -> int:
        """Tiles per call for `method` on `device`: 1 for a method that fills one tile at a time
        (no `fill_many`: classical fills, the reference fills; or one that cannot batch them:
        ConvLNP), so no tiles wait in memory for nothing."""
        if not hasattr(method, "fill_many") or not getattr(method, "batches_tiles", True):
            return 1
        if self.tile_batch:
            return self.tile_batch
        return GPU_TILE_BATCH if device == "cuda" else 1


@dataclass
class FillReport:
    """What a fill did, returned instead of printed: band-pixels filled, footprint and total pixels,
    tiles seen and filled, time, the statistics used, and notes for the user."""

    method: str
    device: str
    gap_pixels: int = 0          # band-pixels that were gaps (and got filled)
    footprint_pixels: int = 0    # pixels inside the footprint (any band valid or gap)
    total_pixels: int = 0
    tiles: int = 0
    tiles_filled: int = 0
    seconds: float = 0.0
    stats: Optional[BandStats] = None
    notes: list = field(default_factory=list)

    @property
    def gap_fraction(self) -> float:
        """Band-pixels filled over all band-pixels: the share `info` reports before a fill."""
        return gap_share(self.gap_pixels, self.total_pixels,
                         len(self.stats.low) if self.stats else 1)

    def summary(self) -> dict:
        """The JSON `done` event's fields after `output`, built here only: the CLI streams them
        and the plugin's in-process run returns them, so the plugin never knows which ran."""
        return {"method": self.method, "device": self.device, "gap_pixels": self.gap_pixels,
                "gap_fraction": self.gap_fraction, "seconds": self.seconds,
                "notes": list(self.notes)}

    @staticmethod
    def summary_text(done: dict) -> str:
        """One line for people from a summary (all the plugin has when a worker filled)."""
        return (f"filled {done['gap_pixels']} band-pixels ({100 * done['gap_fraction']:.1f} % "
                f"of the scene) with {done['method']} on {done['device']} in "
                f"{done['seconds']:.1f} s")


def fill_scene(scene: Scene, sink, options: RunOptions, *, mask=None,
               progress: Optional[ProgressFn] = None, cancel: Optional[CancelFn] = None,
               stats: Optional[BandStats] = None, references: Sequence = ()) -> FillReport:
    """Fill every gap of `scene` into `sink`. Raises Cancelled when `cancel()` turns true.

    `references` (engine.references.Reference, on the scene's grid) are read tile by tile
    for methods that use other dates; a method that cannot use them is refused, so a user
    never believes a fill used dates it ignored."""
    spec = get_method(options.method)
    require(spec)
    if references and not spec.uses_references:
        raise InputError(f"method {spec.name} fills from the target alone and would ignore the "
                         f"reference dates; choose one of: {', '.join(reference_methods())}")
    device = resolve_device(options.device, spec.needs_torch)
    p = scene.profile
    tiles = tile_count(p.height, p.width, options.tile_px)
    stats_steps = 0 if stats else fill_stats_steps(p)
    if progress is not None:
        progress(0, stats_steps + tiles)
    stats = stats or scene_stats(scene, progress=_after(progress, 0, stats_steps + tiles))
    method = spec.factory(device)
    halo = max(spec.halo_px, gap_halo_px(p))
    borders = scene_borders(scene) if mask is None else None   # a user mask replaces them
    report = FillReport(spec.name, device, total_pixels=p.width * p.height, stats=stats,
                        tiles=tiles)
    start = time.perf_counter()
    batch, pending, left = options.batch_for(device, method), [], tiles
    # networks get one tile shape (see iter_tiles); classical fills keep their clipped windows
    for tile in walk_tiles(p.height, p.width, options.tile_px, halo,
                           progress=_after(progress, stats_steps, stats_steps + tiles),
                           cancel=cancel, full_outer=spec.needs_torch):
        left -= 1
        job = _prepare_tile(scene, sink, tile, stats, mask, borders, report,
                            references if spec.uses_references else None)
        if job is not None and pending and job.values.shape != pending[0].values.shape:
            _fill_tiles(scene, sink, method, stats, report, pending)
        if job is not None:
            pending.append(job)
            job = None   # the list holds it; filled, it is freed before the next read
        # the last tile is written before the walk reports it done (progress reaches 100 %
        # only when everything is written)
        if pending and (len(pending) >= batch or left == 0):
            _fill_tiles(scene, sink, method, stats, report, pending)
        release_above()   # bounds the heap's growth from fragmentation (engine.memory)
    if pending:   # never left after the last tile (it flushes); kept for safety
        _fill_tiles(scene, sink, method, stats, report, pending)
    del method
    release()   # the tiles' buffers go back to the system before the output is converted
    report.seconds = time.perf_counter() - start
    return report


def fill_stats_steps(profile) -> int:
    """Progress steps of the statistics pass that precedes the tiles (one per band read), so
    callers that add up stages can count them."""
    return profile.count


def _after(progress: Optional[ProgressFn], offset: int, total: int) -> Optional[ProgressFn]:
    """A stage's (done, its total) reported as (offset + done, total) of the whole fill."""
    if progress is None:
        return None
    return lambda done, _stage_total: progress(offset + done, total)


@dataclass
class _TileJob:
    """A read tile with gaps in its core, waiting for its method call."""

    tile: object
    raw: np.ndarray
    values: np.ndarray      # normalised, 0 where unknown
    known: np.ndarray
    where: np.ndarray       # the core's gaps: what the method is asked for
    refs: Optional[list]    # the reference dates' tiles, for methods that use them


def _prepare_tile(scene, sink, tile, stats, mask, borders, report, references):
    """Read a tile and find its gaps; a tile whose core has none is written here (a copy) and
    gives None, any other gives the job its fill needs."""
    raw = scene.read(tile.outer)
    invalid = scene.invalid(tile.outer, raw)
    if mask is not None:
        gaps = np.broadcast_to(mask.read(tile.outer)[None], raw.shape)
        known = ~(invalid | gaps)
    else:
        gaps = tile_gaps(invalid, tile.outer, scene.profile, borders)
        known = ~invalid
    core = (slice(None),) + tile.core_in_outer
    core_gaps = gaps[core]
    report.footprint_pixels += int(np.count_nonzero((known | gaps)[core].any(axis=0)))
    if not core_gaps.any():
        if sink.wants("std"):
            sink.write(tile.core, np.full(core_gaps.shape, np.nan, np.float32), key="std")
        sink.write(tile.core, raw[core].copy())
        if sink.wants("filled"):
            sink.write(tile.core, np.zeros((1,) + core_gaps.shape[1:], np.uint8), key="filled")
        return None
    values = np.where(known, stats.normalise(raw), 0.0).astype(np.float32)
    # only the core's gaps are kept: not the halo (the next tile fills it) nor the nodata
    # border outside the footprint, both unknown too (a quarter of a network's tile)
    where = np.zeros(gaps.shape, bool)
    where[core] = core_gaps
    refs = None if references is None else [r.read(tile.outer) for r in references]
    return _TileJob(tile, raw, values, known, where, refs)


def _fill_tiles(scene, sink, method, stats, report, jobs: list) -> None:
    """Fill the waiting tiles (in one call when there are several) and write them; empties
    `jobs`."""
    if len(jobs) > 1:
        assert all(j.refs is None for j in jobs), "reference fills run one tile at a time"
        results = method.fill_many([(j.values, j.known, j.where) for j in jobs])
    else:
        job = jobs[0]
        refs = () if job.refs is None else (job.refs,)
        results = [method.fill(job.values, job.known, *refs, where=job.where)]
    for job, result in zip(jobs, results):
        _write_tile(scene, sink, stats, report, job, result)
    jobs.clear()


def _write_tile(scene, sink, stats, report, job: _TileJob, result) -> None:
    tile = job.tile
    core = (slice(None),) + tile.core_in_outer
    core_gaps = job.where[core]
    out = job.raw[core].copy()
    filled = to_dtype(stats.clip_observed(stats.denormalise(result.mean[core])), scene.profile)
    out[core_gaps] = filled[core_gaps]
    report.gap_pixels += int(np.count_nonzero(core_gaps))
    report.tiles_filled += 1
    if sink.wants("std"):
        # no data (NaN) outside the gaps: there the output is observed, not predicted
        std = (np.full(core_gaps.shape, np.nan, np.float32) if result.std is None else
               np.where(core_gaps, stats.scale(result.std[core]), np.nan).astype(np.float32))
        sink.write(tile.core, std, key="std")
    sink.write(tile.core, out)
    if sink.wants("filled"):
        sink.write(tile.core, core_gaps.any(axis=0)[None].astype(np.uint8), key="filled")


def to_dtype(values: np.ndarray, profile) -> np.ndarray:
    """Round and clip to the input's type, never producing a value that reads back as nodata."""
    dtype = np.dtype(profile.dtype)
    if np.issubdtype(dtype, np.floating):
        return values.astype(dtype)
    info = np.iinfo(dtype)
    out = np.clip(np.rint(values), info.min, info.max).astype(dtype)
    forbidden = [profile.nodata] if profile.nodata is not None else []
    if profile.zero_fill != "none":
        forbidden.append(0)
    for value in forbidden:
        step = 1 if value < info.max else -1
        out[out == value] = dtype.type(value + step)
    return out
