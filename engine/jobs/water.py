"""Water seasonality from two or more dates: fill each date's gaps through the engine's runner,
align the dates to the first one's grid, classify with the water model tile by tile, and write
a paletted class GeoTIFF (0 no data, 1 not water, 2 seasonal water, 3 permanent water).

`classify_water` is what the QGIS plugin calls; it never prints (progress and cancel are
callbacks, results come back in a `WaterReport`)."""
from __future__ import annotations

import logging
import os
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from engine.device import resolve_device
from engine.errors import InputError
from engine.io import open_scene
from engine.io.band_view import BandView
from engine.io.grid import check_overlap
from engine.io.writer import AtomicGeoTiff, check_output_path
from engine.jobs.outputs import provenance_tags
from engine.jobs.water_dates import NO_FILL, PreparedDate, fill_date
from engine.methods import get_method
from engine.references import open_references
from engine.runner import fill_stats_steps
from engine.tiling import DEFAULT_TILE_PX, check_tile_size, tile_count
from engine.water.bands import select_bands
from engine.water.classes import CLASS_NAMES
from engine.water.output import class_layer, pixel_area_m2
from engine.water.predict import classify_tile_px, classify_windows
from engine.water.radiometry import calibration_for
from engine.water.weights import load_model

log = logging.getLogger(__name__)

AUTO = "auto"
DEFAULT_FILL_METHOD = AUTO
# what "auto" fills with: every date from the job's other dates, by NSPI. In the downstream
# evaluation (docs/results_water.md: held-out Menindee and Lethbridge boxes, three seeds) it gave
# the best gap-pixel mean IoU of the shipped network (0.982 against 0.977 for the single-image
# default convcnp; Lethbridge alone 0.597 against 0.493), ahead of convcnp-ref (0.981) and at
# about twice convcnp's time; where no other date sees a pixel NSPI uses the single-image
# default itself.
WATER_AUTO_METHOD = "nspi"


@dataclass
class WaterReport:
    """What `classify_water` hands back instead of printing: pixel counts and areas per class, how
    many band-pixels were filled, how many pixels rest on a single valid date, and notes for the
    user (a fallback fill method, gaps left unfilled)."""

    output: str
    dates: int
    fill_method: str
    device: str
    pixel_counts: dict = field(default_factory=dict)   # class name -> pixels
    areas_km2: dict = field(default_factory=dict)
    areas_ha: dict = field(default_factory=dict)
    pixel_area_m2: float = 0.0
    filled_pixels: int = 0                             # band-pixels filled over all dates
    single_date_pixels: int = 0                        # pixels with exactly one valid date
    seconds: float = 0.0
    notes: list = field(default_factory=list)

    def summary(self) -> dict:
        """The JSON `done` event's fields after `output`, built here only: the CLI streams them
        and the plugin's in-process run returns them, so the plugin never knows which ran."""
        return {"dates": self.dates, "fill_method": self.fill_method, "device": self.device,
                "pixel_counts": dict(self.pixel_counts), "areas_km2": dict(self.areas_km2),
                "areas_ha": dict(self.areas_ha), "notes": list(self.notes)}

    def summary_text(self) -> str:
        """What the CLI prints: a headline, then each class's area and pixel count."""
        lines = [f"{self.output}: {self.dates} dates, gaps filled with {self.fill_method}, "
                 f"classified on {self.device} in {self.seconds:.1f} s"]
        lines += [f"  {name:<16} {km2:12.3f} km2 {self.areas_ha[name]:14.1f} ha "
                  f"({self.pixel_counts[name]} px)" for name, km2 in self.areas_km2.items()]
        lines.append(f"  {'no data':<16} {self.pixel_counts['no data']} px")
        return "\n".join(lines)


def classify_water(date_paths: Sequence[str], output_path: str, *,
                   fill_method: str = DEFAULT_FILL_METHOD, device: str = "auto",
                   bands: Optional[Sequence[int]] = None,
                   reflectance_scale: Optional[float] = None, tile_px: int = DEFAULT_TILE_PX,
                   model_card: Optional[str] = None,
                   progress: Optional[Callable[[int, int], None]] = None,
                   cancel: Optional[Callable[[], bool]] = None) -> WaterReport:
    """Classify water seasonality from `date_paths` (>= 2 rasters or Landsat products of the
    same place, each with red, NIR and SWIR1) into `output_path`.

    fill_method: a registered fill method, "auto" (the engine's default fill method, else idw)
    or "none" (classify with the gaps left as no data). bands: 1-based band numbers
    of red, NIR, SWIR1 in every date (default: from band names). reflectance_scale: factor from
    pixel values to reflectance (default: from product metadata or the pixel type).
    """
    start = time.perf_counter()
    paths = [os.fspath(p) for p in date_paths]
    if len(paths) < 2:
        raise InputError(f"water seasonality needs at least two dates, got {len(paths)}")
    check_tile_size(tile_px)
    notes: list = []
    with ExitStack() as stack:
        scenes = [stack.enter_context(open_scene(p)) for p in paths]
        subsets, calibrations = _select(paths, scenes, bands, reflectance_scale, notes)
        output_path = check_output_path(output_path, paths + [f for s in scenes for f in s.files])
        method = resolve_fill_method(fill_method, device, notes)
        run_device = resolve_device(device, True)
        model, card = load_model(run_device, model_card)
        ref = subsets[0].profile
        counter = _Progress(progress, _total_steps(subsets, ref, tile_px, method))
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="water-"))
        dates = [_prepare(i, paths, sub, cal, ref, workdir, method, run_device, tile_px,
                          counter, cancel)
                 for i, (sub, cal) in enumerate(zip(subsets, calibrations))]
        tags = provenance_tags(ref, paths[0], water_dates=len(paths), fill_method=method,
                               water_model=os.path.basename(card.weights),
                               water_model_sha256=card.sha256)
        counts, single = _write_classes(output_path, tags, dates, model, ref, run_device,
                                        tile_px, counter, cancel)
    report = _report(output_path, len(paths), method, run_device, counts, ref, notes)
    report.filled_pixels = sum(d.filled_pixels for d in dates)
    report.single_date_pixels = single
    if single:
        report.notes.append(f"{single} px ({100 * single / (ref.width * ref.height):.1f} %) "
                            "have one valid date only (clouds or unfilled no data on the "
                            "others): they can be not water or permanent, never seasonal")
    report.seconds = time.perf_counter() - start
    return report


def _write_classes(path, tags, dates, model, ref, device, tile_px, counter, cancel) -> tuple:
    """Classify into the atomic class raster; returns (pixels per class, single-date pixels)."""
    raster = AtomicGeoTiff(class_layer(path, ref, tags))
    counts = np.zeros(4, np.int64)
    single = _SingleDateCount()

    def write(window, classes):
        raster.write(window, classes[None])
        counts[:] += np.bincount(classes.ravel(), minlength=4)[:4]

    try:
        _classify(dates, model, ref, write, device, tile_px, counter, cancel, single)
        raster.commit()
    except BaseException:
        raster.abort()
        raise
    return counts, single.pixels


def resolve_fill_method(name: str, device: str, notes: list) -> str:
    """"auto" -> `WATER_AUTO_METHOD` (from the other dates; the best measured for the classes);
    "none" stays; any other name must be registered (an unknown name is an InputError listing
    the valid ones)."""
    from engine.methods import resolve_method

    if name == NO_FILL:
        notes.append("gaps were not filled (fill method none): they count as no data")
        return name
    if name == AUTO:
        # NSPI's own single-image fallback is the engine's "auto": say if that cannot run here
        _, note = resolve_method(AUTO, device)
        if note:
            notes.append(f"{note} (where no other date sees a pixel)")
        return WATER_AUTO_METHOD
    method, note = resolve_method(name, device)
    if note:
        notes.append(note)
    return method


def _select(paths, scenes, bands, scale, notes) -> tuple:
    first = scenes[0].profile
    subsets, calibrations = [], []
    for i, (path, scene) in enumerate(zip(paths, scenes)):
        label = f"date {i + 1} ({os.path.basename(os.path.normpath(path))})"
        p = scene.profile
        if p.count != first.count:
            raise InputError(f"{label} has {p.count} band(s) but date 1 has {first.count}; give "
                             "every date with the same bands")
        idx = select_bands(p.band_names, bands, label)
        if i > 0:
            check_overlap(first, p, label)
        cal = calibration_for(path, scene, idx, scale)
        if "assumed" in cal.source:
            notes.append(f"{label}: reflectance = {cal.source}")
        subsets.append(BandView(scene, idx))
        calibrations.append(cal)
    return subsets, calibrations


def _total_steps(subsets, ref, tile_px, method) -> int:
    """Tiles of every date's fill (and its statistics pass, when filled), then of the
    classification."""
    steps = sum(tile_count(s.profile.height, s.profile.width, tile_px)
                + (0 if method == NO_FILL else fill_stats_steps(s.profile)) for s in subsets)
    return steps + tile_count(ref.height, ref.width, classify_tile_px(tile_px))


class _Progress:
    """Maps each stage's (done, total) onto one running count over the whole job."""

    def __init__(self, callback, total: int):
        self.callback, self.total, self.base = callback, total, 0

    def stage(self):
        base = self.base

        def report(done, total):
            self.base = base + done
            if self.callback is not None:
                self.callback(min(self.base, self.total), self.total)
        return report


def _prepare(i, paths, sub, cal, ref, workdir, method, device, tile_px, counter,
             cancel) -> PreparedDate:
    """Fill date i; a method that fills from other dates gets the job's other dates."""
    path = paths[i]
    label = f"date {i + 1} ({os.path.basename(os.path.normpath(path))})"
    others = ([p for j, p in enumerate(paths) if j != i]
              if method != NO_FILL and get_method(method).uses_references else [])
    refs = open_references(others, sub.profile, path)
    try:
        native, nodata, filled = fill_date(sub, workdir, i, method, device=device,
                                           tile_px=tile_px, progress=counter.stage(),
                                           cancel=cancel, references=refs)
    finally:
        for r in refs:
            r.close()
    return PreparedDate(label, native, ref, cal, nodata, sub.profile.zero_fill, filled)


class _SingleDateCount:
    """Pixels with exactly one valid date: by the GSW rule they cannot be seasonal."""

    def __init__(self):
        self.pixels = 0

    def add(self, valid) -> None:
        self.pixels += int((valid.sum(axis=0) == 1).sum())


def _classify(dates, model, ref, write, device, tile_px, counter, cancel, single) -> None:
    readers = [d.open() for d in dates]
    try:
        def read(window):
            parts = [r.read(window) for r in readers]
            return np.stack([p[0] for p in parts]), np.stack([p[1] for p in parts])

        classify_windows(model, read, ref.height, ref.width, write, device=device,
                         tile_px=tile_px, progress=counter.stage(), cancel=cancel,
                         on_valid=single.add)
    finally:
        for r in readers:
            r.close()


def _report(output, n_dates, method, device, counts, grid, notes) -> WaterReport:
    area = pixel_area_m2(grid)
    report = WaterReport(output, n_dates, method, device, pixel_area_m2=area, notes=notes)
    for code, name in enumerate(CLASS_NAMES):
        report.pixel_counts[name] = int(counts[code])
        if code:
            report.areas_km2[name] = counts[code] * area / 1e6
            report.areas_ha[name] = counts[code] * area / 1e4
    return report
