"""`landsatgapfill:fillscanlines`: fill the SLC-off gaps of a raster layer into a GeoTIFF.

The engine runs in a worker process (plugin/worker), so a crash or out-of-memory there cannot
take QGIS down; progress and cancel go through Processing's feedback as usual."""
from __future__ import annotations

import os

from qgis.core import (QgsProcessing, QgsProcessingException, QgsProcessingOutputNumber,
                       QgsProcessingOutputRasterLayer, QgsProcessingOutputString,
                       QgsProcessingParameterMultipleLayers,
                       QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer)

from engine.runner import FillReport

from ..deps import running_on
from ..layers import local_file_path
from ..methods import AUTO, choice, default_method, method_choices, methods_help_text
from ..products import input_path, input_problem, is_product_path, product_parameter
from ..styling import FILLED_MASK_QML, UNCERTAINTY_QML, GroupPlacement, LayerStyler
from ..worker import FillRequest, run_fill
from ..worker.gaps import NO_GAPS, measure_gaps
from .base import (GapFillAlgorithm, device_parameter, engine_call, progress_to, report_engine,
                   sidecar_flag_parameters, static_enum, tile_size_parameter)

SIDECARS = (("OUTPUT_FILLED_MASK", "Filled-pixel mask", FILLED_MASK_QML),
            ("OUTPUT_UNCERTAINTY", "Uncertainty", UNCERTAINTY_QML))


class FillAlgorithm(GapFillAlgorithm):
    NAME = "fillscanlines"
    DISPLAY = "Fill Landsat 7 scanlines"
    ICON = "fill"

    def __init__(self):
        super().__init__()
        self._renderer = None
        self._input_path = None
        self._references: list = []
        self._source = ("", "")  # (layer id, name) of the input layer, for result placement
        self._result = {}

    def tags(self):
        return ["landsat", "slc-off", "gap", "scanline", "fill", "nodata", "inpainting"]

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Fills the diagonal no-data stripes of Landsat 7 ETM+ scenes taken after the scan "
            "line corrector failed (SLC-off, 31 May 2003 on). Gaps are the no-data pixels "
            "inside the scene footprint; every other pixel is copied unchanged. The output is "
            "a cloud-optimised GeoTIFF on the input's grid, written only when complete. An "
            "input without gaps is copied (a warning says so before the run).\n"
            "INPUT: a raster layer, or PRODUCT: a Landsat product (its *_MTL.txt, its folder "
            "or its .tar/.tar.gz); give one of the two.\n"
            "REFERENCES: other dates of the same place (Landsat 4-9 rasters on any grid or "
            "CRS that overlaps) whose pixels are used to fill the gaps; they need a method "
            "that fills from other dates.\n"
            f"METHOD (by name, or by its number in the list): {AUTO} = {default_method()} "
            f"without reference dates, {default_method(True)} with them.\n"
            "Single-image methods:\n") + methods_help_text(False) + \
            self.tr("\nMethods that fill from reference dates:\n") + \
            methods_help_text(True) + self.tr(
            "\nFILLED_MASK writes OUTPUT_filled_mask.tif (1 = filled). UNCERTAINTY writes "
            "OUTPUT_uncertainty.tif (per-pixel std, methods that model it only; no data "
            "outside the gaps).")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(
            "INPUT", self.tr("SLC-off raster (file-based)"), optional=True))
        self.addParameter(product_parameter(
            "PRODUCT", self.tr("or Landsat product (*_MTL.txt, folder or .tar.gz)")))
        references = QgsProcessingParameterMultipleLayers(
            "REFERENCES", self.tr("Reference dates (other dates of the same place)"),
            QgsProcessing.SourceType.TypeRaster, optional=True)
        references.setHelp("Fill from these dates' pixels (methods "
                           + ", ".join(c.name for c in method_choices(True)) + ").")
        self.addParameter(references)
        names = [AUTO] + [c.name for c in method_choices(None)]
        method = static_enum("METHOD", self.tr("Fill method"), names, AUTO)
        method.setHelp(f"{AUTO}: {default_method()}, or {default_method(True)} with reference "
                       "dates | " + " | ".join(f"{c.name}: {c.spec.summary}"
                                               for c in method_choices(None)))
        self.addParameter(method)
        self.addParameter(device_parameter())
        self.addParameter(tile_size_parameter())
        for flag in sidecar_flag_parameters():
            self.addParameter(flag)
        self.addParameter(QgsProcessingParameterRasterDestination(
            "OUTPUT", self.tr("Filled raster")))
        for name, text, _ in SIDECARS:
            self.addOutput(QgsProcessingOutputRasterLayer(name, self.tr(text)))
        self.addOutput(QgsProcessingOutputNumber("GAP_PIXELS", self.tr("Filled band-pixels")))
        self.addOutput(QgsProcessingOutputNumber("GAP_PERCENT", self.tr("Gaps (% of scene)")))
        self.addOutput(QgsProcessingOutputString("DEVICE_USED", self.tr("Device used")))
        self.addOutput(QgsProcessingOutputString("METHOD_USED", self.tr("Method used")))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        problem = self.method_problem(parameters, context)
        if problem:
            return False, problem
        problem = input_problem(parameters)
        if problem:
            return False, problem
        if is_product_path(parameters.get("INPUT")):  # QGIS would try to load it as a layer
            parameters = {k: v for k, v in parameters.items() if k != "INPUT"}
        return super().checkParameterValues(parameters, context)

    def chosen_method(self, parameters, context) -> str:
        """The METHOD option, "auto" resolved for the presence of reference dates."""
        method = self.parameterAsEnumString(parameters, "METHOD", context) or AUTO
        has_references = bool(self.parameterAsLayerList(parameters, "REFERENCES", context))
        return default_method(has_references) if method == AUTO else method

    def method_problem(self, parameters, context) -> str:
        """Why the chosen method cannot run with these parameters ("" when it can); checked
        again in prepareAlgorithm because the dialog's task skips checkParameterValues."""
        method = self.chosen_method(parameters, context)
        try:
            c = choice(method)
        except KeyError:
            return self.tr(f"unknown method {method!r}")
        if not c.available:
            return c.reason
        has_references = bool(self.parameterAsLayerList(parameters, "REFERENCES", context))
        if has_references and not c.spec.uses_references:
            return self.tr(f"method {method} fills from the target alone and would ignore the "
                           "reference dates; choose one of: "
                           + ", ".join(x.name for x in method_choices(True)))
        if c.spec.uses_references and not has_references:
            return self.tr(f"method {method} fills from other dates: choose one or more "
                           "reference dates, or a single-image method")
        if self.parameterAsBoolean(parameters, "UNCERTAINTY", context) and \
                not c.spec.has_uncertainty:
            return self.tr(f"method {method} gives no uncertainty; "
                           "untick the uncertainty option")
        return ""

    def prepareAlgorithm(self, parameters, context, feedback):  # noqa: N802
        """Main thread: resolve the input's file (layer or product) and the references', and
        keep a copy of the input layer's renderer."""
        problem = self.method_problem(parameters, context)
        if problem:
            raise QgsProcessingException(problem)
        self._input_path, layer = input_path(self, parameters, context)
        self._renderer = layer.renderer().clone() if layer is not None and layer.renderer() \
            else None
        self._source = (layer.id(), layer.name()) if layer is not None else \
            ("", os.path.basename(os.path.normpath(self._input_path)))
        self._references = [local_file_path(ref, "reference") for ref in
                            self.parameterAsLayerList(parameters, "REFERENCES", context)]
        return True

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        if not output.lower().endswith((".tif", ".tiff")):
            raise QgsProcessingException(self.tr("the output must be a GeoTIFF (.tif)"))
        request = FillRequest(
            self._input_path, output, self.chosen_method(parameters, context),
            self.parameterAsEnumString(parameters, "DEVICE", context),
            self.parameterAsInt(parameters, "TILE_SIZE", context),
            self.parameterAsBoolean(parameters, "FILLED_MASK", context),
            self.parameterAsBoolean(parameters, "UNCERTAINTY", context),
            tuple(self._references))
        spec = choice(request.method).spec
        report_engine(feedback, running_on(spec.needs_torch, request.device))
        if request.references:
            feedback.pushInfo(f"Reference dates: {', '.join(request.references)}")
        warn_if_no_gaps(request.input_path, feedback)
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
                        "DEVICE_USED": done["device"], "METHOD_USED": request.method}
        return dict(self._result)

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        """Main thread: when Processing will load the output, style it like the source and
        load the sidecars with it, in one group right above the source layer as the dialog
        does (filled layer first and visible, sidecars hidden)."""
        output = self._result.get("OUTPUT")
        if not output or not context.willLoadLayerOnCompletion(output):
            return {}
        source_id, name = self._source
        method = self._result.get("METHOD_USED", "")
        group = GroupPlacement(f"{name} filled ({method})", source_id)
        details = context.layerToLoadOnCompletionDetails(output)
        details.setPostProcessor(LayerStyler.create(self._renderer, placement=group.at(0)))
        for rank, (key, text, qml) in enumerate(SIDECARS, start=1):
            path = self._result.get(key)
            if path:
                extra = type(details)(self.tr(text), details.project, key)
                extra.setPostProcessor(LayerStyler.create(
                    qml_path=qml, placement=group.at(rank, visible=False)))
                context.addLayerToLoadOnCompletion(path, extra)
        return {}


def warn_if_no_gaps(path: str, feedback) -> None:
    """Say before the run that it will only copy the input (the run is kept: a copy is still a
    valid output, e.g. in a batch over dates). The scan is the one the dialog shows; when it
    fails the fill itself reports the problem, so nothing is said here."""
    try:
        share = measure_gaps(path, cancel=feedback.isCanceled)
    except Exception as exc:  # the fill that follows reports the problem in words
        feedback.pushDebugInfo(f"gap measurement before the run failed: {exc}")
        return
    if share.gap_fraction == 0:
        feedback.pushWarning(NO_GAPS)
