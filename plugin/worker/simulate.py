"""Simulated SLC-off gaps, run like every other engine job: `python -m engine simulate CLEAN
OUTPUT --seed N --progress json` in the worker process when possible (a native-library crash
or a huge product read then cannot end QGIS), `engine.jobs.simulate.simulate_file` in process
otherwise. Both return the share of pixels set to no data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .fill import worker_mode
from .process import run_worker


@dataclass(frozen=True)
class SimulateRequest:
    clean: str
    output_path: str
    seed: int = 0

    def cli_args(self) -> list:
        return ["simulate", self.clean, self.output_path, "--seed", str(self.seed)]


def run_simulate(request: SimulateRequest,
                 progress: Optional[Callable[[int, int], None]] = None,
                 cancel: Optional[Callable[[], bool]] = None,
                 log: Optional[Callable[[str], None]] = None) -> float:
    mode, python = worker_mode()
    if mode == "subprocess":
        argv = ["-m", "engine", *request.cli_args(), "--progress", "json"]
        done = run_worker(python, argv, [request.output_path], progress, cancel, log)
        return float(done["gap_fraction"])
    from engine.jobs.simulate import simulate_file

    return simulate_file(request.clean, request.output_path, request.seed, progress=progress,
                         cancel=cancel)
