"""Processing algorithms. No `iface`, no widgets: they also run in `qgis_process`, batch mode,
models and scripts, and the dialogs run the very same `fillscanlines` and
`classifywaterseasonality` algorithms."""
from .evaluate import EvaluateAlgorithm
from .fill import FillAlgorithm
from .fill_stack import FillStackAlgorithm
from .simulate import SimulateAlgorithm
from .water import WaterAlgorithm

ALGORITHMS = (FillAlgorithm, FillStackAlgorithm, SimulateAlgorithm, EvaluateAlgorithm,
              WaterAlgorithm)

__all__ = ["ALGORITHMS", "FillAlgorithm", "FillStackAlgorithm", "SimulateAlgorithm", "EvaluateAlgorithm",
           "WaterAlgorithm"]
