"""Simulate SLC-off gaps on a clean raster, fill them with each method through the same tiled
runner users get, and score the fills against the truth (gap RMSE, PSNR, MS-SSIM)."""
from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from typing import Optional, Sequence

import numpy as np
from rasterio.windows import Window

from engine.errors import InputError
from engine.gaps.simulate import burn_gaps, mask_with_gaps, simulate_slc_off_mask
from engine.io import ArrayScene, open_scene
from engine.io.writer import ArraySink, AtomicFile, check_output_path
from engine.jobs.simulate import gap_nodata, geometry_for
from engine.metrics import gap_rmse, ms_ssim_score, psnr
from engine.methods import get_method
from engine.preview import (check_image_path, display_bands, save_panels, stretch_limits,
                            to_rgb)
from engine.references import open_references
from engine.runner import RunOptions, fill_scene
from engine.stats import scene_stats

MAX_EVAL_VALUES = 200_000_000  # evaluation holds the scene in memory: crop larger scenes first
PANEL_SIDE_PX = 400


@dataclass(frozen=True)
class MethodScore:
    """One method's score on the simulated gaps: RMSE in input units and in units of each band's
    1-99 % range (comparable across scenes and sensors), PSNR, MS-SSIM (None when the crop is too
    small for five scales or pytorch-msssim is missing) and the seconds the fill took."""

    method: str
    rmse: float        # gap pixels, input units
    rmse_norm: float   # gap pixels, per-band 1-99 % range = 1
    psnr_db: float
    ms_ssim: Optional[float]
    seconds: float


def scores_summary(scores: Sequence[MethodScore]) -> dict:
    """The JSON `done` event's scores, built here only: the CLI streams them and the plugin's
    in-process run returns them, so the plugin never knows which ran."""
    return {"scores": [asdict(s) for s in scores]}


def scores_text(scores: Sequence[MethodScore]) -> str:
    """The score table the CLI prints, one method a row."""
    lines = [f"{'method':<16}{'gap RMSE':>12}{'RMSE (norm)':>13}{'PSNR dB':>9}{'MS-SSIM':>9}"
             f"{'s':>7}"]
    for s in scores:
        ssim = f"{s.ms_ssim:.4f}" if s.ms_ssim is not None else "n/a"
        lines.append(f"{s.method:<16}{s.rmse:>12.2f}{s.rmse_norm:>13.4f}{s.psnr_db:>9.2f}"
                     f"{ssim:>9}{s.seconds:>7.1f}")
    return "\n".join(lines)


class ArrayMask:
    """A gap mask held in memory, read by window like a user's mask file."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask

    def read(self, window: Window) -> np.ndarray:
        """The mask's window; the same call the runner makes on a user's mask file."""
        (r0, r1), (c0, c1) = window.toranges()
        return self.mask[r0:r1, c0:c1]


MIN_EVAL_GAP_FRACTION = 0.05
_SEED_STEP = 7919


def evaluation_mask(profile, seed: int) -> np.ndarray:
    """Seeded SLC-off mask for scoring. A crop that happens to sit near the swath centre gets
    no nodata at all (gaps there are under 2 px and interpolated by the ground system), which
    scores nothing; such placements are skipped deterministically by moving on the seed."""
    geometry = geometry_for(profile)
    return mask_with_gaps(
        lambda k: simulate_slc_off_mask(profile.height, profile.width, geometry,
                                        seed=seed + k * _SEED_STEP),
        MIN_EVAL_GAP_FRACTION, 50, strict=True)


def evaluate_file(clean_path: str, methods: Sequence[str], seed: int = 0,
                  png_path: Optional[str] = None, device: str = "auto",
                  tile_px: int = 512, references: Sequence[str] = (), progress=None,
                  cancel=None) -> list:
    """Scores of each method on seeded SLC-off gaps burned into `clean_path`. `references`
    (other dates of the same place) are given to the methods that fill from them; the
    single-image methods are scored as they are, so one table compares both kinds."""
    for name in methods:
        get_method(name)  # unknown names fail before any work
    if png_path:
        check_image_path(png_path)
    with open_scene(clean_path) as scene:
        if png_path:
            png_path = check_output_path(png_path, [clean_path] + scene.files)
        p = scene.profile
        if p.count * p.width * p.height > MAX_EVAL_VALUES:
            raise InputError(f"{clean_path} is too large to evaluate in memory; crop it first")
        truth = scene.read(Window(0, 0, p.width, p.height))
        clean_invalid = scene.invalid(Window(0, 0, p.width, p.height), truth)
    mask = evaluation_mask(p, seed)
    gaps = mask[None] & ~clean_invalid
    corrupted = ArrayScene(burn_gaps(truth, mask, gap_nodata(p)), p.with_changes(nodata=gap_nodata(p)))
    stats = scene_stats(ArrayScene(truth, p))
    truth_n = np.where(clean_invalid, 0, stats.normalise(truth))
    scores, outputs = [], {}
    with ExitStack() as stack:
        refs = open_references(references, p, clean_path) if references else []
        for ref in refs:
            stack.callback(ref.close)
        for i, name in enumerate(methods):
            outputs[name] = _score(name, corrupted, truth, truth_n, clean_invalid, mask, gaps,
                                   stats, refs, tile_px, device, cancel, scores)
            if progress is not None:
                progress(i + 1, len(methods))
    if png_path:
        AtomicFile(png_path, _save_comparison).write(truth, clean_invalid, corrupted, outputs,
                                                     p.band_names)
    return scores


def _save_comparison(path, truth, clean_invalid, corrupted, outputs, band_names) -> None:
    step = max(1, int(np.ceil(max(truth.shape[1:]) / PANEL_SIDE_PX)))
    cut = (slice(None), slice(None, None, step), slice(None, None, step))
    bands = display_bands(band_names)
    limits = stretch_limits(truth[cut], clean_invalid[cut], bands)
    burned = corrupted.data[cut]
    burned_invalid = corrupted.invalid_decimated(burned)
    panels = [("with simulated gaps", to_rgb(burned, burned_invalid, bands, limits))]
    panels += [(name, to_rgb(out[cut], clean_invalid[cut], bands, limits))
               for name, out in outputs.items()]
    panels.append(("truth", to_rgb(truth[cut], clean_invalid[cut], bands, limits)))
    save_panels(path, panels)


def _score(name, corrupted, truth, truth_n, clean_invalid, mask, gaps, stats, refs, tile_px,
           device, cancel, scores) -> np.ndarray:
    """Fill the burned gaps with one method through the runner; append its score."""
    spec = get_method(name)
    sink = ArraySink(corrupted.profile)
    start = time.perf_counter()
    fill_scene(corrupted, sink, RunOptions(name, tile_px, device), mask=ArrayMask(mask),
               cancel=cancel, stats=stats, references=refs if spec.uses_references else ())
    seconds = time.perf_counter() - start
    pred = sink.arrays["main"]
    pred_n = np.where(clean_invalid, 0, stats.normalise(pred))
    rmse_n = gap_rmse(pred_n, truth_n, gaps)
    scores.append(MethodScore(name, gap_rmse(pred, truth, gaps), rmse_n, psnr(rmse_n),
                              ms_ssim_score(pred_n, truth_n), seconds))
    return pred
