"""The Processing provider. Its id `landsatgapfill` is public API: `landsatgapfill:<algorithm>`
strings live on in users' scripts, models and qgis_process calls, so it never changes."""
from __future__ import annotations

from qgis.core import QgsProcessingProvider

from .algorithms import ALGORITHMS
from .icons import icon

PROVIDER_ID = "landsatgapfill"
FILL_ALGORITHM_ID = f"{PROVIDER_ID}:fillscanlines"
WATER_ALGORITHM_ID = f"{PROVIDER_ID}:classifywaterseasonality"


class GapFillProvider(QgsProcessingProvider):
    def id(self) -> str:
        return PROVIDER_ID

    def name(self) -> str:
        return "Landsat 7 Gap Fill"

    def longName(self) -> str:  # noqa: N802
        import engine

        return f"Landsat 7 Gap Fill (engine {engine.__version__})"

    def icon(self):
        return icon("icon")

    def loadAlgorithms(self):  # noqa: N802
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
