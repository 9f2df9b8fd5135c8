"""How the plugin runs the engine: in a worker process when a suitable Python is found (see
`python.py` and docs/plugin.md for why), in process otherwise."""
from .evaluate import EvaluateRequest, run_evaluate
from .fill import FillRequest, run_fill, worker_mode
from .fill_stack import FillStackRequest, run_fill_stack
from .water import WaterRequest, run_water

__all__ = ["EvaluateRequest", "FillRequest", "FillStackRequest", "WaterRequest", "run_evaluate",
           "run_fill", "run_fill_stack", "run_water", "worker_mode"]
