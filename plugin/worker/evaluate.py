"""Evaluation jobs, run like fills: in the worker process when possible (evaluation loads torch
for MS-SSIM, which must not happen inside QGIS), in process otherwise."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Callable, Optional

from .fill import worker_mode
from .process import run_worker

# run as a script from a folder holding only scripts, so sys.path[0] shadows nothing
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts", "evaluate_job.py")


@dataclass(frozen=True)
class EvaluateRequest:
    clean: str
    methods: tuple
    png: str
    seed: int = 0
    device: str = "auto"
    tile: int = 512


def run_evaluate(request: EvaluateRequest,
                 progress: Optional[Callable[[int, int], None]] = None,
                 cancel: Optional[Callable[[], bool]] = None,
                 log: Optional[Callable[[str], None]] = None) -> list:
    """Scores as dicts (fields of engine.jobs.evaluate.MethodScore), one per method."""
    mode, python = worker_mode()
    if mode == "subprocess":
        payload = json.dumps(dict(asdict(request), methods=list(request.methods)))
        done = run_worker(python, [SCRIPT, payload], [request.png], progress, cancel, log)
        return list(done["scores"])
    from engine.jobs.evaluate import evaluate_file

    scores = evaluate_file(request.clean, list(request.methods), request.seed, request.png,
                           request.device, request.tile, progress=progress, cancel=cancel)
    return [asdict(s) for s in scores]
