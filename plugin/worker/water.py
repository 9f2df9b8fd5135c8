"""Water-seasonality jobs, run like fills: `python -m engine water DATE1 DATE2 ... OUTPUT` in the
worker process when possible (the water model is a PyTorch network, which must not be loaded
into QGIS), `engine.jobs.water.classify_water` in process otherwise. Both paths return the same
summary dict as the CLI's JSON `done` event."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .fill import worker_mode
from .process import run_worker


@dataclass(frozen=True)
class WaterRequest:
    dates: tuple            # paths of the dates, the first one defines the output grid
    output_path: str
    fill_method: str = "auto"
    device: str = "auto"
    bands: str = ""         # "R,N,S" 1-based band numbers of red, NIR, SWIR1; "" = band names
    tile_px: int = 512

    def cli_args(self) -> list:
        args = ["water", *self.dates, self.output_path, "--fill-method", self.fill_method,
                "--device", self.device, "--tile", str(self.tile_px)]
        return args + (["--bands", self.bands] if self.bands else [])


def run_water(request: WaterRequest, progress: Optional[Callable[[int, int], None]] = None,
              cancel: Optional[Callable[[], bool]] = None,
              log: Optional[Callable[[str], None]] = None) -> dict:
    """Classify `request`; raises engine errors (EngineError subclasses) with user messages."""
    mode, python = worker_mode()
    if mode == "subprocess":
        argv = ["-m", "engine", *request.cli_args(), "--progress", "json"]
        return run_worker(python, argv, [request.output_path], progress, cancel, log)
    return _water_in_process(request, progress, cancel)


def _water_in_process(request: WaterRequest, progress, cancel) -> dict:
    from engine.jobs.water import classify_water
    from engine.water.bands import parse_band_list

    report = classify_water(list(request.dates), request.output_path,
                            fill_method=request.fill_method, device=request.device,
                            bands=parse_band_list(request.bands),
                            tile_px=request.tile_px, progress=progress, cancel=cancel)
    return {"event": "done", "output": request.output_path, **report.summary()}
