"""`landsatgapfill:filltimeseries`: fill every date of a time series from its nearest other
dates (the engine's `fill-stack`), one GeoTIFF per date in an output folder.

Runs in the worker process like a fill; when Processing loads the results they go into one
group, each styled like its source date."""
from __future__ import annotations

import os

from qgis.core import (QgsProcessing, QgsProcessingContext, QgsProcessingException,
                       QgsProcessingOutputMultipleLayers, QgsProcessingOutputString,
                       QgsProcessingParameterFolderDestination,
                       QgsProcessingParameterMultipleLayers, QgsProcessingParameterNumber)

from engine.jobs.fill_stack import DEFAULT_MAX_REFERENCES, stack_output_path
from engine.jobs.outputs import sidecar_path

from ..deps import running_on
from ..layers import local_file_path
from ..methods import choice, default_method, method_choices, methods_help_text
from ..styling import FILLED_MASK_QML, UNCERTAINTY_QML, GroupPlacement, LayerStyler
from ..worker import FillStackRequest, run_fill_stack
from .base import (GapFillAlgorithm, device_parameter, engine_call, progress_to, report_engine,
                   sidecar_flag_parameters, static_enum, tile_size_parameter)

MIN_DATES = 2


class FillStackAlgorithm(GapFillAlgorithm):
    NAME = "filltimeseries"
    DISPLAY = "Fill a time series"
    ICON = "fill"

    def __init__(self):
        super().__init__()
        self._dates: list = []     # (path, renderer clone or None, layer name)
        self._outputs: list = []
        self._sidecars: dict = {}  # output -> [(path, label, style)]

    def tags(self):
        return ["landsat", "slc-off", "gap", "fill", "time series", "stack", "reference",
                "nspi", "multi-temporal"]

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Fills the SLC-off gaps of every date of a time series from the dates nearest to it "
            "in time (acquisition dates from the product metadata or a YYYYMMDD in the file "
            "names). Writes OUTPUT_FOLDER/(input name)_filled.tif per date, each on its "
            "input's grid with every other pixel unchanged.\n"
            "Methods (by name, or by their number in the list):\n") + methods_help_text(True)

    def initAlgorithm(self, config=None):  # noqa: N802
        dates = QgsProcessingParameterMultipleLayers(
            "INPUTS", self.tr("Dates (two or more file-based rasters of the same place)"),
            QgsProcessing.SourceType.TypeRaster)
        dates.setMinimumNumberInputs(MIN_DATES)
        self.addParameter(dates)
        self.addParameter(QgsProcessingParameterNumber(
            "MAX_REFERENCES", self.tr("Dates used per fill (nearest in time)"),
            QgsProcessingParameterNumber.Type.Integer, DEFAULT_MAX_REFERENCES, minValue=1))
        names = [c.name for c in method_choices(True)]
        method = static_enum("METHOD", self.tr("Fill method"), names, default_method(True))
        method.setHelp(" | ".join(f"{c.name}: {c.spec.summary}" for c in method_choices(True)))
        self.addParameter(method)
        self.addParameter(device_parameter())
        self.addParameter(tile_size_parameter())
        for flag in sidecar_flag_parameters(" per date"):
            self.addParameter(flag)
        self.addParameter(QgsProcessingParameterFolderDestination(
            "OUTPUT_FOLDER", self.tr("Output folder")))
        self.addOutput(QgsProcessingOutputMultipleLayers("OUTPUTS", self.tr("Filled dates")))
        self.addOutput(QgsProcessingOutputString("REFERENCES_USED",
                                                 self.tr("Dates each fill used")))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        problem = self.problem(parameters, context)
        return (False, problem) if problem else super().checkParameterValues(parameters, context)

    def problem(self, parameters, context) -> str:
        count = len(self.parameterAsLayerList(parameters, "INPUTS", context))
        if count < MIN_DATES:
            return self.tr(f"a time series needs at least {MIN_DATES} dates; got {count}")
        method = self.parameterAsEnumString(parameters, "METHOD", context)
        try:
            c = choice(method)
        except KeyError:
            return self.tr(f"unknown method {method!r}")
        if not c.available:
            return c.reason
        if self.parameterAsBoolean(parameters, "UNCERTAINTY", context) and \
                not c.spec.has_uncertainty:
            return self.tr(f"method {method} gives no uncertainty; untick the uncertainty "
                           "option")
        return ""

    def prepareAlgorithm(self, parameters, context, feedback):  # noqa: N802
        """Main thread: each date's file and renderer (the dialog-less task path skips
        checkParameterValues, so it is checked here too)."""
        problem = self.problem(parameters, context)
        if problem:
            raise QgsProcessingException(problem)
        self._dates = []
        for layer in self.parameterAsLayerList(parameters, "INPUTS", context):
            path = local_file_path(layer, "date")
            renderer = layer.renderer().clone() if layer.renderer() else None
            self._dates.append((path, renderer, layer.name()))
        return True

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        os.makedirs(folder, exist_ok=True)
        request = FillStackRequest(
            tuple(path for path, _, _ in self._dates), folder,
            self.parameterAsEnumString(parameters, "METHOD", context),
            self.parameterAsInt(parameters, "MAX_REFERENCES", context),
            self.parameterAsEnumString(parameters, "DEVICE", context),
            self.parameterAsInt(parameters, "TILE_SIZE", context),
            self.parameterAsBoolean(parameters, "FILLED_MASK", context),
            self.parameterAsBoolean(parameters, "UNCERTAINTY", context))
        report_engine(feedback, running_on(choice(request.method).spec.needs_torch,
                                           request.device))
        done = engine_call(run_fill_stack, request, progress=progress_to(feedback),
                           cancel=feedback.isCanceled, log=feedback.pushDebugInfo)
        self._outputs = list(done["outputs"])
        references = done.get("references") or {}
        lines = [f"{os.path.basename(out)} from "
                 + ", ".join(os.path.basename(os.path.normpath(r)) for r in references.get(out, []))
                 for out in self._outputs]
        feedback.pushInfo("Filled:\n" + "\n".join(lines))
        self._sidecars = {out: [(sidecar_path(out, key), label, style)
                                for key, label, style, wanted in
                                (("filled_mask", "filled pixels", FILLED_MASK_QML,
                                  request.filled_mask),
                                 ("uncertainty", "uncertainty", UNCERTAINTY_QML,
                                  request.uncertainty)) if wanted]
                          for out in self._outputs}
        return {"OUTPUT_FOLDER": folder, "OUTPUTS": self._outputs,
                "REFERENCES_USED": "\n".join(lines)}

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        """Main thread: load every filled date (and its sidecars, hidden) into one group at the
        top of the layer panel, each styled like its source date."""
        if not self._outputs or context.project() is None:
            return {}
        folder = os.path.dirname(self._outputs[0])
        by_output = {stack_output_path(path, folder): (renderer, name)
                     for path, renderer, name in self._dates}
        group = GroupPlacement(f"Time series filled ({len(self._outputs)} dates)")
        rank = 0
        for out in self._outputs:
            renderer, name = by_output.get(out, (None, os.path.basename(out)))
            details = _details(f"{name} filled", context, "OUTPUTS")
            details.setPostProcessor(LayerStyler.create(renderer, placement=group.at(rank)))
            context.addLayerToLoadOnCompletion(out, details)
            rank += 1
            for path, label, style in self._sidecars.get(out, []):
                extra = _details(f"{name} {label}", context, "OUTPUTS")
                extra.setPostProcessor(LayerStyler.create(
                    qml_path=style, placement=group.at(rank, visible=False)))
                context.addLayerToLoadOnCompletion(path, extra)
                rank += 1
        return {}


def _details(name: str, context, output_name: str):
    return QgsProcessingContext.LayerDetails(name, context.project(), output_name)
