"""What every algorithm of the provider shares: group, icon, static-string enums, progress and
cancel wiring, and the one place where engine errors become QgsProcessingException."""
from __future__ import annotations

from qgis.core import (QgsProcessingAlgorithm, QgsProcessingException,
                       QgsProcessingParameterBoolean, QgsProcessingParameterDefinition,
                       QgsProcessingParameterEnum, QgsProcessingParameterNumber)
from qgis.PyQt.QtCore import QCoreApplication

from engine.device import DEVICES
from engine.errors import EngineError

from ..icons import icon

ADVANCED = QgsProcessingParameterDefinition.Flag.FlagAdvanced


class GapFillAlgorithm(QgsProcessingAlgorithm):
    """Base class; subclasses set NAME, DISPLAY, ICON and implement the Processing hooks."""

    NAME = ""
    DISPLAY = ""
    ICON = "icon"

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:  # noqa: N802
        return self.tr(self.DISPLAY)

    def group(self) -> str:
        return self.tr("Landsat 7 SLC-off")

    def groupId(self) -> str:  # noqa: N802
        return "slcoff"

    def icon(self):
        return icon(self.ICON)

    def helpUrl(self) -> str:  # noqa: N802
        return "https://github.com/landsat-gapfill/landsat-gapfill/blob/main/docs/plugin.md"

    def createInstance(self):  # noqa: N802
        return type(self)()

    # qgis_process's help lists every enum as "0: auto, 1: navier-stokes..." and says the
    # number is accepted; QGIS itself rejects numbers for static-string enums, so the
    # algorithms translate positions into option strings before anyone reads the values.
    def checkParameterValues(self, parameters, context):  # noqa: N802
        return super().checkParameterValues(self.enum_names(parameters), context)

    def parameterAsEnumString(self, parameters, name, context):  # noqa: N802
        return super().parameterAsEnumString(self.enum_names(parameters), name, context)

    def parameterAsEnumStrings(self, parameters, name, context):  # noqa: N802
        return super().parameterAsEnumStrings(self.enum_names(parameters), name, context)

    def enum_names(self, parameters: dict) -> dict:
        """`parameters` with enum values given by position ("3", 3, "1,3") as option strings."""
        named = dict(parameters)
        for definition in self.parameterDefinitions():
            if isinstance(definition, QgsProcessingParameterEnum) and \
                    named.get(definition.name()) is not None:
                named[definition.name()] = option_names(definition, named[definition.name()])
        return named

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("LandsatGapFill", text)


def static_enum(name: str, description: str, options, default, multiple: bool = False,
                advanced: bool = False) -> QgsProcessingParameterEnum:
    """Enum whose values are the option strings ("idw", "cuda"), not list positions, so scripts
    and models keep working when methods are added to the registry."""
    param = QgsProcessingParameterEnum(name, description, options=list(options),
                                       allowMultiple=multiple, defaultValue=default,
                                       usesStaticStrings=True)
    if advanced:
        param.setFlags(param.flags() | ADVANCED)
    return param


def option_names(definition: QgsProcessingParameterEnum, value):
    """An enum value with positions replaced by option strings; anything else is returned as
    given, so QGIS's own check still refuses it in its words."""
    options = definition.options()

    def name(item):
        if isinstance(item, str) and (item in options or not item.strip().isdigit()):
            return item
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            return item
        index = int(item)
        return options[index] if 0 <= index < len(options) else item

    if isinstance(value, (list, tuple)):
        return [name(item) for item in value]
    if definition.allowMultiple() and isinstance(value, str) and "," in value:
        return [name(item.strip()) for item in value.split(",")]
    return name(value)


def device_parameter() -> QgsProcessingParameterEnum:
    param = static_enum("DEVICE", "Device", DEVICES, "auto", advanced=True)
    param.setHelp("Where neural methods run: auto = CUDA when PyTorch sees a GPU, else CPU. "
                  "Classical methods always run on the CPU.")
    return param


def sidecar_flag_parameters(per_date: str = "") -> list:
    """The advanced FILLED_MASK and UNCERTAINTY switches every fill algorithm offers (the
    engine's `--filled-mask` and `--uncertainty`); `per_date` is appended to their labels."""
    params = []
    for name, text in (("FILLED_MASK", "Also write a filled-pixel mask"),
                       ("UNCERTAINTY", "Also write an uncertainty raster")):
        flag = QgsProcessingParameterBoolean(name, text + per_date, defaultValue=False)
        flag.setFlags(flag.flags() | ADVANCED)
        params.append(flag)
    return params


def tile_size_parameter() -> QgsProcessingParameterNumber:
    param = QgsProcessingParameterNumber("TILE_SIZE", "Tile size (pixels)",
                                         QgsProcessingParameterNumber.Type.Integer, 512,
                                         minValue=64, maxValue=8192)
    param.setFlags(param.flags() | ADVANCED)
    param.setHelp("Side of the square tiles the scene is processed in; memory use grows with "
                  "it. Results do not depend on it (tiles overlap by each method's halo).")
    return param


def report_engine(feedback, running_on_text: str) -> None:
    """Log where the work runs and which engine process runs it (the same lines for every
    algorithm, so bug reports always carry them)."""
    from ..worker import worker_mode

    feedback.pushInfo(f"Running on: {running_on_text}")
    mode, python = worker_mode()
    feedback.pushInfo(f"Engine: worker process ({python})" if python else
                      "Engine: inside QGIS's process (no Python that can import the "
                      "engine was found for a worker process)")


def progress_to(feedback):
    """Engine progress callback (done, total) -> feedback percentage."""
    return lambda done, total: feedback.setProgress(100.0 * done / max(total, 1))


def engine_call(function, *args, **kwargs):
    """Call the engine; its errors reach users as QgsProcessingException with its message."""
    try:
        return function(*args, **kwargs)
    except EngineError as exc:
        raise QgsProcessingException(str(exc)) from None
