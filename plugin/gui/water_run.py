"""Runs `landsatgapfill:classifywaterseasonality` for the Water classes dialog (see
alg_run.py), then adds the class layer right above the first date, styled with the palette."""
from __future__ import annotations

from typing import Sequence

from ..products import product_name
from ..provider import WATER_ALGORITHM_ID
from ..water import areas_from_results, areas_sentence
from .alg_run import AlgorithmRun
from .layer_tree import add_water_result


class WaterRun(AlgorithmRun):
    ALGORITHM_ID = WATER_ALGORITHM_ID
    WHAT = "The water classification"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._first_id = self._name = None

    def start(self, dates: list, parameters: dict, products: Sequence[str] = ()) -> None:
        """Run the algorithm on project layers `dates` (in order), then the Landsat products at
        `products`, with `parameters` (minus INPUTS and PRODUCTS). The class layer goes above
        the first layer date, or at the top of the panel when the dates are products only."""
        names = [d.name() for d in dates] + [product_name(p) for p in products]
        self._first_id = dates[0].id() if dates else ""
        self._name = f"{names[0]} water classes ({len(names)} dates)"
        self.run_algorithm(dict(parameters, INPUTS=[layer.id() for layer in dates],
                                PRODUCTS=list(products)),
                           f"water classes of {', '.join(names)} with gaps "
                           f"filled by {parameters['FILL_METHOD']} -> {parameters['OUTPUT']}")

    def on_success(self, results: dict) -> str:
        self.added_layers = [add_water_result(self._first_id, results["OUTPUT"], self._name)]
        return f"Water classes added: {results['OUTPUT']}"

    def areas_sentence(self) -> str:
        """"not water 55.539 km² (5,553.9 ha), ..." of the last successful run."""
        return areas_sentence(areas_from_results(self.results))
