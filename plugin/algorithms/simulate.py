"""`landsatgapfill:simulateslcoff`: burn seeded, realistic SLC-off gaps into a clean raster, to
test fill methods on pixels whose true values are known.

Runs in the worker process like every engine job: reading a product (GDAL, tarballs) is native
code whose crash would otherwise end QGIS, and the worker keeps QGIS's own packages out of it."""
from __future__ import annotations

from qgis.core import (QgsProcessingOutputNumber, QgsProcessingParameterFile,
                       QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination)

from ..deps import running_on
from ..worker.simulate import SimulateRequest, run_simulate
from .base import GapFillAlgorithm, engine_call, progress_to, report_engine

INPUT_FILTER = ("Rasters and Landsat products (*.tif *.tiff *.TIF *.img *.vrt *_MTL.txt "
                "*.tar *.tar.gz *.tgz);;All files (*.*)")


def clean_input_parameter(description: str) -> QgsProcessingParameterFile:
    """A file, not a layer: a Landsat product (its MTL file or tarball) is one input for the
    engine but not one layer for QGIS."""
    param = QgsProcessingParameterFile("INPUT", description,
                                       behavior=QgsProcessingParameterFile.Behavior.File,
                                       fileFilter=INPUT_FILTER)
    param.setHelp("A clean raster (no SLC-off gaps: Landsat 7 before June 2003, Landsat 5, "
                  "Landsat 8/9...), or a Landsat product: its *_MTL.txt file (the band files "
                  "beside it are read) or its .tar/.tar.gz.")
    return param


class SimulateAlgorithm(GapFillAlgorithm):
    NAME = "simulateslcoff"
    DISPLAY = "Simulate SLC-off gaps"
    ICON = "simulate"

    def tags(self):
        return ["landsat", "slc-off", "simulate", "gap", "test", "benchmark"]

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Writes a copy of a clean raster with Landsat 7 SLC-off gaps set to no-data. The "
            "gap pattern follows the real instrument: tilt, period, per-scan stagger and the "
            "gap width growing from the scene centre to its edges, at the raster's own pixel "
            "size. The same seed always gives the same gaps. Fill the result with "
            "\"Fill Landsat 7 scanlines\" and compare with the clean raster, or use "
            "\"Evaluate gap filling\", which does both.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(clean_input_parameter(self.tr("Clean raster or Landsat product")))
        seed = QgsProcessingParameterNumber("SEED", self.tr("Random seed"),
                                            QgsProcessingParameterNumber.Type.Integer, 0,
                                            minValue=0)
        seed.setHelp("Same seed, same gaps.")
        self.addParameter(seed)
        self.addParameter(QgsProcessingParameterRasterDestination(
            "OUTPUT", self.tr("Raster with simulated gaps")))
        self.addOutput(QgsProcessingOutputNumber("GAP_PERCENT", self.tr("Gaps (% of pixels)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsFile(parameters, "INPUT", context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        seed = self.parameterAsInt(parameters, "SEED", context)
        report_engine(feedback, running_on(False))
        fraction = engine_call(run_simulate, SimulateRequest(source, output, seed),
                               progress=progress_to(feedback), cancel=feedback.isCanceled,
                               log=feedback.pushDebugInfo)
        feedback.pushInfo(f"{100 * fraction:.1f} % of pixels set to no-data (seed {seed})")
        return {"OUTPUT": output, "GAP_PERCENT": 100.0 * fraction}
