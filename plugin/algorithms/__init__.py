"""Processing algorithms. No `iface`, no widgets: they also run in `qgis_process`, batch mode,
models and scripts, and the dialog runs the very same `fillscanlines` algorithm."""
from .evaluate import EvaluateAlgorithm
from .fill import FillAlgorithm
from .simulate import SimulateAlgorithm

ALGORITHMS = (FillAlgorithm, SimulateAlgorithm, EvaluateAlgorithm)

__all__ = ["ALGORITHMS", "FillAlgorithm", "SimulateAlgorithm", "EvaluateAlgorithm"]
