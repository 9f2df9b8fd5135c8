"""What every algorithm of the provider shares: group, icon, static-string enums, progress and
cancel wiring, and the one place where engine errors become QgsProcessingException."""
from __future__ import annotations

from qgis.core import (QgsProcessingAlgorithm, QgsProcessingException,
                       QgsProcessingParameterDefinition, QgsProcessingParameterEnum,
                       QgsProcessingParameterNumber)
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


def device_parameter() -> QgsProcessingParameterEnum:
    param = static_enum("DEVICE", "Device", DEVICES, "auto", advanced=True)
    param.setHelp("Where neural methods run: auto = CUDA when PyTorch sees a GPU, else CPU. "
                  "Classical methods always run on the CPU.")
    return param


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
