"""Evaluation jobs, run like fills: `python -m engine evaluate ... --progress json` in the worker
process when possible (evaluation loads torch for MS-SSIM, which must not happen inside QGIS),
in process otherwise. Both paths return the scores of the CLI's JSON `done` event."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .fill import worker_mode
from .process import run_worker


@dataclass(frozen=True)
class EvaluateRequest:
    clean: str
    methods: tuple
    png: str
    seed: int = 0
    device: str = "auto"
    tile: int = 512

    def cli_args(self) -> list:
        args = ["evaluate", self.clean, "--methods", ",".join(self.methods),
                "--seed", str(self.seed), "--device", self.device, "--tile", str(self.tile)]
        return args + (["--png", self.png] if self.png else [])


def run_evaluate(request: EvaluateRequest,
                 progress: Optional[Callable[[int, int], None]] = None,
                 cancel: Optional[Callable[[], bool]] = None,
                 log: Optional[Callable[[str], None]] = None) -> list:
    """Scores as dicts (fields of engine.jobs.evaluate.MethodScore), one per method."""
    mode, python = worker_mode()
    if mode == "subprocess":
        argv = ["-m", "engine", *request.cli_args(), "--progress", "json"]
        outputs = [request.png] if request.png else []
        return list(run_worker(python, argv, outputs, progress, cancel, log)["scores"])
    from engine.jobs.evaluate import evaluate_file, scores_summary

    scores = evaluate_file(request.clean, list(request.methods), request.seed, request.png,
                           request.device, request.tile, progress=progress, cancel=cancel)
    return scores_summary(scores)["scores"]
