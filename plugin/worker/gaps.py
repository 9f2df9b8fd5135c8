"""The dialog's gap measurement, run like every engine job: `python -m engine info PATH
--progress json` in the worker process when possible (the scan reads the whole raster through
GDAL, native code whose crash would otherwise end QGIS), `engine.jobs.info.describe_file` in
process otherwise."""
from __future__ import annotations

from dataclasses import dataclass

from .fill import worker_mode
from .process import run_worker

# Said before a run (dialog, Processing log) as the engine says it after one: a fill of a
# raster without gaps still writes its output, a copy, and users should know before waiting.
NO_GAPS = "no gaps found: the output will be a copy of the input"


@dataclass(frozen=True)
class GapShare:
    gap_fraction: float        # of all band-pixels, as `fill` reports it
    footprint_fraction: float  # pixels inside the scene footprint


def measure_gaps(path: str, cancel=None) -> GapShare:
    mode, python = worker_mode()
    if mode == "subprocess":
        done = run_worker(python, ["-m", "engine", "info", path, "--progress", "json"], [],
                          cancel=cancel)
        return GapShare(float(done["gap_fraction"]), float(done["footprint_fraction"]))
    from engine.jobs.info import describe_file

    info = describe_file(path, cancel=cancel)
    return GapShare(info.gap_fraction, info.footprint_fraction)
