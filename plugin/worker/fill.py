"""One fill job, described once (`FillRequest`) and run either by the engine CLI in a worker
process or, when no worker Python is usable, by the engine in the calling process. Both paths
return the same summary dict as the CLI's JSON `done` event, so callers never care which ran."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Optional

from engine.jobs.outputs import sidecar_path

from .. import log as plugin_log
from .process import run_worker
from .python import find_worker_python

ENV_MODE = "LANDSAT_GAPFILL_WORKER"  # "subprocess" (default when possible) or "inprocess"


@dataclass(frozen=True)
class FillRequest:
    input_path: str
    output_path: str
    method: str
    device: str = "auto"
    tile_px: int = 512
    filled_mask: bool = False
    uncertainty: bool = False
    references: tuple = ()  # other dates of the same place, for methods that fill from them

    @property
    def filled_mask_path(self) -> Optional[str]:
        return sidecar_path(self.output_path, "filled_mask") if self.filled_mask else None

    @property
    def uncertainty_path(self) -> Optional[str]:
        return sidecar_path(self.output_path, "uncertainty") if self.uncertainty else None

    def outputs(self) -> list:
        return [p for p in (self.output_path, self.filled_mask_path, self.uncertainty_path) if p]

    def cli_args(self) -> list:
        args = ["fill", self.input_path, self.output_path, "--method", self.method,
                "--device", self.device, "--tile", str(self.tile_px)]
        for reference in self.references:
            args += ["--reference", reference]
        return args + (["--filled-mask"] if self.filled_mask else []) + \
            (["--uncertainty"] if self.uncertainty else [])


def worker_mode() -> tuple:
    """("subprocess", python) or ("inprocess", None), honouring $LANDSAT_GAPFILL_WORKER."""
    if os.environ.get(ENV_MODE, "").lower() == "inprocess":
        return "inprocess", None
    python = find_worker_python()
    if python is None:
        plugin_log.warning("no Python that can import the engine was found for a worker "
                           "process; running in QGIS's own process (a crash there ends QGIS)")
        return "inprocess", None
    return "subprocess", python


def run_fill(request: FillRequest, progress: Optional[Callable[[int, int], None]] = None,
             cancel: Optional[Callable[[], bool]] = None,
             log: Optional[Callable[[str], None]] = None) -> dict:
    """Fill `request`; raises engine errors (EngineError subclasses) with user messages."""
    mode, python = worker_mode()
    if mode == "subprocess":
        argv = ["-m", "engine", *request.cli_args(), "--progress", "json"]
        return run_worker(python, argv, request.outputs(), progress, cancel, log)
    return _fill_in_process(request, progress, cancel)


def _fill_in_process(request: FillRequest, progress, cancel) -> dict:
    from engine.jobs.fill import fill_file
    from engine.runner import RunOptions

    report = fill_file(request.input_path, request.output_path,
                       RunOptions(request.method, request.tile_px, request.device),
                       filled_mask=request.filled_mask, uncertainty=request.uncertainty,
                       references=list(request.references), progress=progress, cancel=cancel)
    return {"event": "done", "output": request.output_path, **report.summary()}
