"""Fill every date of a time series from its nearest other dates: how an SLC-off archive gets
used, since each date's stripes fall in different places and the dates around it see what its
gaps hide. One output per date (written atomically, with optional sidecars), named after the
date's input, all dates' outputs or none; dates are ordered by acquisition date from metadata
or file names."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from engine.errors import InputError
from engine.io import open_scene
from engine.io.acquisition import acquisition_date
from engine.io.writer import check_output_path, one_job
from engine.jobs.fill import fill_file
from engine.runner import FillReport, RunOptions

DEFAULT_MAX_REFERENCES = 2


@dataclass(frozen=True)
class StackDate:
    """One date of a time series: its input, its acquisition date (what orders the stack and picks
    the nearest references) and the output it is filled into."""

    path: str
    date: object          # datetime.date
    output: str


@dataclass
class StackReport:
    """What `fill_stack` hands back: one output per date in date order, the references each was
    filled from, and each date's FillReport."""

    outputs: list = field(default_factory=list)         # one per date, in date order
    references: dict = field(default_factory=dict)      # output -> reference paths used
    reports: list = field(default_factory=list)         # FillReport per date
    seconds: float = 0.0


def plan_stack(inputs: Sequence[str], outdir: str, max_references: int) -> list:
    """(StackDate, [reference StackDates]) per date, nearest dates in time first (ties: the
    earlier date); InputError for fewer than two dates, unknown dates or clashing names."""
    if len(inputs) < 2:
        raise InputError(f"a time series needs at least two dates, got {len(inputs)}")
    if max_references < 1:
        raise InputError(f"--max-references must be at least 1, got {max_references}")
    if not os.path.isdir(outdir):
        raise InputError(f"output folder does not exist: {outdir}")
    dates, read = [], []
    for path in inputs:
        with open_scene(path) as scene:
            date = acquisition_date(scene.profile, path)
            read += [os.fspath(path)] + scene.files
        if date is None:
            raise InputError(f"cannot tell when {path} was acquired (no DATE_ACQUIRED in its "
                             "metadata and no YYYYMMDD in its name); rename it or give products")
        dates.append(StackDate(os.fspath(path), date, stack_output_path(path, outdir)))
    names = [d.output for d in dates]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise InputError(f"two dates would write the same output {os.path.basename(clash[0])}; "
                         "give inputs with different names")
    for name in names:  # a date's output must not replace another date's input
        check_output_path(name, read)
    dates.sort(key=lambda d: d.date)
    plan = []
    for d in dates:
        others = sorted((o for o in dates if o is not d),
                        key=lambda o: (abs((o.date - d.date).days), o.date))
        plan.append((d, others[:max_references]))
    return plan


def fill_stack(inputs: Sequence[str], outdir: str, options: RunOptions, *,
               max_references: int = DEFAULT_MAX_REFERENCES, filled_mask: bool = False,
               uncertainty: bool = False,
               progress: Optional[Callable[[int, int], None]] = None,
               cancel=None) -> StackReport:
    """Fill each date of `inputs` into `outdir` from its `max_references` nearest dates."""
    import time

    start = time.perf_counter()
    plan = plan_stack(inputs, outdir, max_references)
    report = StackReport()
    with one_job():  # a failure or cancel on a later date removes the earlier dates' outputs
        for i, (target, refs) in enumerate(plan):
            step = _stage(progress, i, len(plan))
            fill: FillReport = fill_file(target.path, target.output, options,
                                         filled_mask=filled_mask, uncertainty=uncertainty,
                                         references=[r.path for r in refs], progress=step,
                                         cancel=cancel)
            report.outputs.append(target.output)
            report.references[target.output] = [r.path for r in refs]
            report.reports.append(fill)
    report.seconds = time.perf_counter() - start
    return report


def _stage(progress, index: int, count: int):
    """Progress of one date mapped onto the whole stack (each date an equal share)."""
    if progress is None:
        return None
    scale = 1000

    def report(done: int, total: int) -> None:
        progress(int(scale * (index + done / max(1, total))), scale * count)
    return report


def stack_output_path(path: str, outdir: str) -> str:
    """OUTDIR/<input name>_filled.tif, one rule for fill-stack, batch and the QGIS time-series
    algorithm, so a batch finds (and resumes over) what either wrote."""
    name = os.path.basename(os.path.normpath(os.fspath(path)))
    for suffix in (".tar.gz", ".tgz", ".tar", "_MTL.txt", "_mtl.txt"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    else:
        name = os.path.splitext(name)[0]
    return os.path.join(os.path.abspath(outdir), f"{name}_filled.tif")


