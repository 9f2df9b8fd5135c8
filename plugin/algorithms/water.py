"""`landsatgapfill:classifywaterseasonality`: water seasonality classes (GSW coding) from two or
more dates of the same place, written as a paletted GeoTIFF, with the area of each class.

The engine runs in a worker process like a fill (the water model is a PyTorch network, which
must not be loaded into QGIS); see plugin/worker/water.py."""
from __future__ import annotations

from qgis.core import (QgsProcessing, QgsProcessingException, QgsProcessingOutputNumber,
                       QgsProcessingOutputString, QgsProcessingParameterMultipleLayers,
                       QgsProcessingParameterRasterDestination, QgsProcessingParameterString)

from engine.errors import InputError
from engine.water.bands import parse_band_list

from ..deps import running_on
from ..products import date_paths, products_parameter, without_products
from ..styling import WATER_CLASSES_QML, LayerStyler
from ..water import (area_outputs, areas_text, default_fill_method, fill_option, fill_options,
                     water_problem)
from ..worker import WaterRequest, run_water
from .base import (ADVANCED, GapFillAlgorithm, device_parameter, engine_call, progress_to,
                   report_engine, static_enum, tile_size_parameter)

MIN_DATES = 2


class WaterAlgorithm(GapFillAlgorithm):
    NAME = "classifywaterseasonality"
    DISPLAY = "Classify water seasonality"
    ICON = "water"

    def __init__(self):
        super().__init__()
        self._dates: list = []
        self._output = ""

    def tags(self):
        return ["landsat", "water", "seasonality", "surface water", "gsw", "lake", "flood",
                "slc-off", "classification"]

    def shortHelpString(self) -> str:  # noqa: N802
        options = "\n".join(f"- {o.name}: {o.summary}"
                             + ("" if o.available else f" Not available: {o.reason}")
                             for o in fill_options())
        return self.tr(
            "Classifies every pixel by how often it was water over two or more dates of the "
            "same place (e.g. Landsat 7 SLC-off scenes of one year). Each date's scanline gaps "
            "are filled first, the dates are aligned to the first one's grid, and a learned "
            "model scores water on each date: a small neural network (PyTorch) trained to agree "
            "with a spectral water rule (red, NIR and SWIR1 tests) on clean scenes, so its "
            "answers follow that rule, not field surveys.\n"
            "INPUTS (layers) and PRODUCTS (Landsat products: *_MTL.txt, folders, .tar.gz) are "
            "the dates, layers first; the first date sets the output grid.\n"
            "Classes (Global Surface Water coding):\n"
            "- 0 no data: no valid observation on any date\n"
            "- 1 not water on any valid date\n"
            "- 2 seasonal water: water on some valid dates, not on others\n"
            "- 3 permanent water: water on every valid date\n"
            "The output is a paletted uint8 GeoTIFF on the first date's grid. The area of "
            "each class (km² and ha) is logged and returned as AREA_… outputs.\n"
            "BANDS: every date needs red, NIR and SWIR1 (Landsat 4-7 bands 3, 4, 5; "
            "Landsat 8-9 bands 4, 5, 6) as surface or top-of-atmosphere reflectance, or as "
            "reflectance × 10000 integers. They are found from the band names (e.g. \"B4 "
            "nir\"); a 3-band raster without names is read as red, NIR, SWIR1. Otherwise give "
            "their 1-based numbers in BANDS, e.g. 3,4,5.\n"
            "FILL_METHOD (by name, or by its number in the list):\n") + options

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterMultipleLayers(
            "INPUTS", self.tr("Dates (two or more file-based rasters of the same place)"),
            QgsProcessing.SourceType.TypeRaster, optional=True))
        self.addParameter(products_parameter(
            "PRODUCTS", self.tr("and/or Landsat products (*_MTL.txt, folder or .tar.gz), "
                                "after the layers")))
        options = fill_options()
        method = static_enum("FILL_METHOD", self.tr("Gap filling"), [o.name for o in options],
                             default_fill_method())
        method.setHelp(" | ".join(f"{o.name}: {o.summary}" for o in options))
        self.addParameter(method)
        device = device_parameter()
        device.setHelp("Where the water model (and neural fill methods) run: auto = CUDA when "
                       "PyTorch sees a GPU, else CPU.")
        self.addParameter(device)
        bands = QgsProcessingParameterString(
            "BANDS", self.tr("Bands red,NIR,SWIR1 (1-based, e.g. 3,4,5; empty = from band "
                             "names)"), defaultValue="", optional=True)
        bands.setFlags(bands.flags() | ADVANCED)
        self.addParameter(bands)
        self.addParameter(tile_size_parameter())
        self.addParameter(QgsProcessingParameterRasterDestination(
            "OUTPUT", self.tr("Water classes")))
        for name, class_name, unit in area_outputs():
            self.addOutput(QgsProcessingOutputNumber(
                name, self.tr(f"Area of {class_name} ({'km²' if unit == 'km2' else 'ha'})")))
        self.addOutput(QgsProcessingOutputString("SUMMARY", self.tr("Class areas (text)")))
        self.addOutput(QgsProcessingOutputString("FILL_METHOD_USED", self.tr("Gap filling used")))
        self.addOutput(QgsProcessingOutputString("DEVICE_USED", self.tr("Device used")))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        try:
            count = len(date_paths(self, parameters, context))
        except QgsProcessingException as exc:
            return False, str(exc)
        if count < MIN_DATES:
            return False, self.tr(too_few_dates(count))
        ok, message = super().checkParameterValues(without_products(parameters), context)
        if not ok:
            return ok, message
        problem = water_problem()
        if problem:
            return False, problem
        name = self.parameterAsEnumString(parameters, "FILL_METHOD", context)
        try:
            option = fill_option(name)
        except KeyError:
            return False, self.tr(f"unknown gap-filling method {name!r}")
        if not option.available:
            return False, option.reason
        try:
            parse_band_list(self.parameterAsString(parameters, "BANDS", context))
        except InputError as exc:
            return False, in_qgis_words(str(exc))
        return True, ""

    def prepareAlgorithm(self, parameters, context, feedback):  # noqa: N802
        """Main thread: resolve each date's file (the dialog's task skips checkParameterValues,
        so the date count is checked here too)."""
        self._dates = date_paths(self, parameters, context)
        if len(self._dates) < MIN_DATES:
            raise QgsProcessingException(self.tr(too_few_dates(len(self._dates))))
        return True

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        if not output.lower().endswith((".tif", ".tiff")):
            raise QgsProcessingException(self.tr("the output must be a GeoTIFF (.tif)"))
        request = WaterRequest(
            tuple(self._dates), output,
            self.parameterAsEnumString(parameters, "FILL_METHOD", context),
            self.parameterAsEnumString(parameters, "DEVICE", context),
            (self.parameterAsString(parameters, "BANDS", context) or "").replace(" ", ""),
            self.parameterAsInt(parameters, "TILE_SIZE", context))
        report_engine(feedback, running_on(True, request.device))
        feedback.pushInfo(f"Dates (the first sets the output grid): {', '.join(request.dates)}")
        try:
            done = engine_call(run_water, request, progress=progress_to(feedback),
                               cancel=feedback.isCanceled, log=feedback.pushDebugInfo)
        except QgsProcessingException as exc:  # the engine speaks to terminal users
            raise QgsProcessingException(in_qgis_words(str(exc))) from None
        for note in done.get("notes") or []:
            feedback.pushWarning(note)
        summary = areas_text(done)
        feedback.pushInfo(f"Water classes of {len(request.dates)} dates (gaps filled with "
                          f"{done.get('fill_method')}, model on {done.get('device')}):\n"
                          f"{summary}")
        self._output = output
        results = {"OUTPUT": output, "SUMMARY": summary,
                   "FILL_METHOD_USED": done.get("fill_method", request.fill_method),
                   "DEVICE_USED": done.get("device", "")}
        for name, class_name, unit in area_outputs():
            results[name] = float((done.get(f"areas_{unit}") or {}).get(class_name, 0.0))
        return results

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        """Main thread: when Processing loads the output, give it the class palette and names."""
        if self._output and context.willLoadLayerOnCompletion(self._output):
            details = context.layerToLoadOnCompletionDetails(self._output)
            details.setPostProcessor(LayerStyler.create(qml_path=WATER_CLASSES_QML))
        return {}


def in_qgis_words(message: str) -> str:
    """An engine message with its command-line flag named as the parameter users see here."""
    return message.replace("--bands RED,NIR,SWIR1", "the Bands parameter (Advanced), as "
                           "red,NIR,SWIR1").replace("--bands", "Bands")


def too_few_dates(count: int) -> str:
    return (f"water seasonality needs at least {MIN_DATES} dates (raster layers or Landsat "
            f"products of the same place); got {count}")
