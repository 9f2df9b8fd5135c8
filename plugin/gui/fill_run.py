"""Runs `landsatgapfill:fillscanlines` for the Fill scanlines dialog (see alg_run.py), then puts
the results next to the source layer."""
from __future__ import annotations

from ..provider import FILL_ALGORITHM_ID
from .alg_run import AlgorithmRun, RecordingFeedback
from .layer_tree import add_fill_results

__all__ = ["FillRun", "RecordingFeedback"]


class FillRun(AlgorithmRun):
    ALGORITHM_ID = FILL_ALGORITHM_ID
    WHAT = "The fill"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._source_id = self._method = self._renderer = None

    def start(self, source, parameters: dict) -> None:
        """Run the fill algorithm on project layer `source` with `parameters` (minus INPUT)."""
        if self.is_running():
            raise RuntimeError("a fill is already running")
        self._source_id, self._method = source.id(), parameters["METHOD"]
        self._renderer = source.renderer().clone() if source.renderer() else None
        self.run_algorithm(dict(parameters, INPUT=source.id()),
                           f"fill {source.name()} with {self._method} -> {parameters['OUTPUT']}")

    def on_success(self, results: dict) -> str:
        self.added_layers = add_fill_results(self._source_id, results, self._method,
                                             self._renderer)
        return f"Filled layer added: {results['OUTPUT']}"
