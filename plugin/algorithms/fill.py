"""`landsatgapfill:fillscanlines`: fill the SLC-off gaps of a raster layer into a GeoTIFF.

The engine runs in a worker process (plugin/worker), so a crash or out-of-memory there cannot
take QGIS down; progress and cancel go through Processing's feedback as usual."""
from __future__ import annotations

from qgis.core import (QgsProcessingException, QgsProcessingOutputNumber,
                       QgsProcessingOutputRasterLayer, QgsProcessingOutputString,
                       QgsProcessingParameterBoolean, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer)

from engine.runner import FillReport

from ..deps import running_on
from ..layers import layer_file_path
from ..methods import choice, default_method, method_choices, methods_help_html
from ..styling import FILLED_MASK_QML, LayerStyler
from ..worker import FillRequest, run_fill
from .base import (ADVANCED, GapFillAlgorithm, device_parameter, engine_call, progress_to,
                   report_engine, static_enum, tile_size_parameter)

SIDECARS = (("OUTPUT_FILLED_MASK", "Filled-pixel mask"), ("OUTPUT_UNCERTAINTY", "Uncertainty"))


class FillAlgorithm(GapFillAlgorithm):
    NAME = "fillscanlines"
    DISPLAY = "Fill Landsat 7 scanlines"
    ICON = "fill"

    def __init__(self):
        super().__init__()
        self._renderer = None
        self._input_path = None
        self._result = {}

    def tags(self):
        return ["landsat", "slc-off", "gap", "scanline", "fill", "nodata", "inpainting"]

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Fills the diagonal no-data stripes of Landsat 7 ETM+ scenes taken after the scan "
            "line corrector failed (SLC-off, 31 May 2003 on). Gaps are the no-data pixels "
            "inside the scene footprint; every other pixel is copied unchanged. The output is "
            "a cloud-optimised GeoTIFF on the input's grid, written only when complete."
            "<h3>Methods</h3>") + methods_help_html() + self.tr(
            "<h3>Options</h3><p><b>Filled-pixel mask</b> writes OUTPUT_filled_mask.tif "
            "(1 = filled). <b>Uncertainty</b> writes OUTPUT_uncertainty.tif (per-pixel std, "
            "methods that model it only).</p>")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(
            "INPUT", self.tr("SLC-off raster (file-based)")))
        names = [c.name for c in method_choices()]
        method = static_enum("METHOD", self.tr("Fill method"), names, default_method())
        method.setHelp(" | ".join(f"{c.name}: {c.spec.summary}" for c in method_choices()))
        self.addParameter(method)
        self.addParameter(device_parameter())
        self.addParameter(tile_size_parameter())
        for name, text in (("FILLED_MASK", "Also write a filled-pixel mask"),
                           ("UNCERTAINTY", "Also write an uncertainty raster")):
            flag = QgsProcessingParameterBoolean(name, self.tr(text), defaultValue=False)
            flag.setFlags(flag.flags() | ADVANCED)
            self.addParameter(flag)
        self.addParameter(QgsProcessingParameterRasterDestination(
            "OUTPUT", self.tr("Filled raster")))
        for name, text in SIDECARS:
            self.addOutput(QgsProcessingOutputRasterLayer(name, self.tr(text)))
        self.addOutput(QgsProcessingOutputNumber("GAP_PIXELS", self.tr("Filled band-pixels")))
        self.addOutput(QgsProcessingOutputNumber("GAP_PERCENT", self.tr("Gaps (% of scene)")))
        self.addOutput(QgsProcessingOutputString("DEVICE_USED", self.tr("Device used")))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        method = self.parameterAsEnumString(parameters, "METHOD", context)
        try:
            c = choice(method)
        except KeyError:
            return False, self.tr(f"unknown method {method!r}")
        if not c.available:
            return False, c.reason
        if self.parameterAsBoolean(parameters, "UNCERTAINTY", context) and \
                not c.spec.has_uncertainty:
            return False, self.tr(f"method {method} gives no uncertainty; "
                                  "untick the uncertainty option")
        return super().checkParameterValues(parameters, context)

    def prepareAlgorithm(self, parameters, context, feedback):  # noqa: N802
        """Main thread: resolve the layer's file and keep a copy of its renderer."""
        layer = self.parameterAsRasterLayer(parameters, "INPUT", context)
        self._input_path = layer_file_path(layer)
        if self._input_path is None:
            raise QgsProcessingException(self.tr(
                "the input must be a raster layer read from a local file "
                "(GeoTIFF or any GDAL format); save it to a file first"))
        self._renderer = layer.renderer().clone() if layer.renderer() else None
        return True

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        if not output.lower().endswith((".tif", ".tiff")):
            raise QgsProcessingException(self.tr("the output must be a GeoTIFF (.tif)"))
        request = FillRequest(
            self._input_path, output, self.parameterAsEnumString(parameters, "METHOD", context),
            self.parameterAsEnumString(parameters, "DEVICE", context),
            self.parameterAsInt(parameters, "TILE_SIZE", context),
            self.parameterAsBoolean(parameters, "FILLED_MASK", context),
            self.parameterAsBoolean(parameters, "UNCERTAINTY", context))
        spec = choice(request.method).spec
        report_engine(feedback, running_on(spec.needs_torch, request.device))
        done = engine_call(run_fill, request, progress=progress_to(feedback),
                           cancel=feedback.isCanceled, log=feedback.pushDebugInfo)
        for note in done.get("notes") or []:
            feedback.pushWarning(note)
        text = FillReport.summary_text(done)
        feedback.pushInfo(text[:1].upper() + text[1:])
        self._result = {"OUTPUT": output, "OUTPUT_FILLED_MASK": request.filled_mask_path,
                        "OUTPUT_UNCERTAINTY": request.uncertainty_path,
                        "GAP_PIXELS": done["gap_pixels"],
                        "GAP_PERCENT": 100.0 * done["gap_fraction"],
                        "DEVICE_USED": done["device"]}
        return dict(self._result)

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        """Main thread: when Processing will load the output, style it like the source and
        load the sidecars into the same project."""
        output = self._result.get("OUTPUT")
        if not output or not context.willLoadLayerOnCompletion(output):
            return {}
        details = context.layerToLoadOnCompletionDetails(output)
        details.setPostProcessor(LayerStyler.create(self._renderer))
        for key, text in SIDECARS:
            path = self._result.get(key)
            if path:
                extra = type(details)(self.tr(text), details.project, key)
                if key == "OUTPUT_FILLED_MASK":
                    extra.setPostProcessor(LayerStyler.create(qml_path=FILLED_MASK_QML))
                context.addLayerToLoadOnCompletion(path, extra)
        return {}
