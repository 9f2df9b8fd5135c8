"""Runs `landsatgapfill:classifywaterseasonality` for the Water classes dialog (see
alg_run.py), then adds the class layer right above the first date, styled with the palette."""
from __future__ import annotations

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

    def start(self, dates: list, parameters: dict) -> None:
        """Run the algorithm on project layers `dates` (in order) with `parameters` (minus
        INPUTS)."""
        self._first_id = dates[0].id()
        self._name = f"{dates[0].name()} water classes ({len(dates)} dates)"
        self.run_algorithm(dict(parameters, INPUTS=[layer.id() for layer in dates]),
                           f"water classes of {', '.join(d.name() for d in dates)} with gaps "
                           f"filled by {parameters['FILL_METHOD']} -> {parameters['OUTPUT']}")

    def on_success(self, results: dict) -> str:
        self.added_layers = [add_water_result(self._first_id, results["OUTPUT"], self._name)]
        return f"Water classes added: {results['OUTPUT']}"

    def areas_sentence(self) -> str:
        """"not water 55.539 km² (5,553.9 ha), ..." of the last successful run."""
        return areas_sentence(areas_from_results(self.results))
