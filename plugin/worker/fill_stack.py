"""Time-series jobs: `python -m engine fill-stack DATE1 DATE2 ... OUTDIR` in the worker process
when possible, `engine.jobs.fill_stack.fill_stack` in process otherwise; both return the CLI's
`done` event (`outputs`, in date order, and the `references` each was filled from)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from engine.jobs.fill_stack import stack_output_path
from engine.jobs.outputs import sidecar_path

from .fill import worker_mode
from .process import run_worker


@dataclass(frozen=True)
class FillStackRequest:
    dates: tuple             # paths of the dates, any order (the engine sorts them by date)
    output_folder: str
    method: str
    max_references: int = 2
    device: str = "auto"
    tile_px: int = 512
    filled_mask: bool = False
    uncertainty: bool = False

    def outputs(self) -> list:
        """Every file the run may write (for clean-up on cancel or failure)."""
        paths = [stack_output_path(d, self.output_folder) for d in self.dates]
        sidecars = [sidecar_path(p, key) for p in paths for key, wanted in
                    (("filled_mask", self.filled_mask), ("uncertainty", self.uncertainty))
                    if wanted]
        return paths + sidecars

    def cli_args(self) -> list:
        args = ["fill-stack", *self.dates, self.output_folder, "--method", self.method,
                "--max-references", str(self.max_references), "--device", self.device,
                "--tile", str(self.tile_px)]
        return args + (["--filled-mask"] if self.filled_mask else []) + \
            (["--uncertainty"] if self.uncertainty else [])


def run_fill_stack(request: FillStackRequest,
                   progress: Optional[Callable[[int, int], None]] = None,
                   cancel: Optional[Callable[[], bool]] = None,
                   log: Optional[Callable[[str], None]] = None) -> dict:
    """Fill every date of `request`; raises engine errors with user messages."""
    mode, python = worker_mode()
    if mode == "subprocess":
        argv = ["-m", "engine", *request.cli_args(), "--progress", "json"]
        return run_worker(python, argv, request.outputs(), progress, cancel, log)
    from engine.jobs.fill_stack import fill_stack
    from engine.runner import RunOptions

    report = fill_stack(list(request.dates), request.output_folder,
                        RunOptions(request.method, request.tile_px, request.device),
                        max_references=request.max_references,
                        filled_mask=request.filled_mask, uncertainty=request.uncertainty,
                        progress=progress, cancel=cancel)
    return {"event": "done", "outputs": report.outputs, "references": report.references,
            "seconds": report.seconds}
