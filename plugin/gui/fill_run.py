"""Runs `landsatgapfill:fillscanlines` for the Fill scanlines dialog (see alg_run.py), then puts
the results next to the source layer."""
from __future__ import annotations

from ..products import product_name
from ..provider import FILL_ALGORITHM_ID
from .alg_run import AlgorithmRun, RecordingFeedback
from .layer_tree import add_fill_results

__all__ = ["FillRun", "RecordingFeedback"]


class FillRun(AlgorithmRun):
    ALGORITHM_ID = FILL_ALGORITHM_ID
    WHAT = "The fill"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._source_id = self._method = self._renderer = self._name = None

    def start(self, source, parameters: dict, product: str = "") -> None:
        """Run the fill algorithm on project layer `source`, or on the Landsat product at
        `product` (then `source` is None), with `parameters` (minus INPUT and PRODUCT)."""
        if self.is_running():
            raise RuntimeError("a fill is already running")
        self._method = parameters["METHOD"]
        if product:
            self._source_id, self._renderer, self._name = "", None, product_name(product)
            parameters = dict(parameters, PRODUCT=product)
        else:
            self._source_id, self._name = source.id(), source.name()
            self._renderer = source.renderer().clone() if source.renderer() else None
            parameters = dict(parameters, INPUT=source.id())
        self.run_algorithm(parameters,
                           f"fill {self._name} with {self._method} -> {parameters['OUTPUT']}")

    def on_success(self, results: dict) -> str:
        self.added_layers = add_fill_results(self._source_id, results, self._method,
                                             self._renderer, self._name)
        return f"Filled layer added: {results['OUTPUT']}"
