"""Runs `landsatgapfill:fillscanlines` for the dialog, through QgsProcessingAlgRunnerTask: the
exact algorithm the toolbox, models and qgis_process run, in QGIS's task manager (progress in
the status bar, QGIS stays responsive), then puts the results next to the source layer."""
from __future__ import annotations

import traceback

from qgis.core import (Qgis, QgsApplication, QgsProcessingAlgRunnerTask, QgsProcessingContext,
                       QgsProcessingFeedback, QgsProject)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from .. import log as plugin_log
from ..provider import FILL_ALGORITHM_ID
from .layer_tree import add_fill_results


class RecordingFeedback(QgsProcessingFeedback):
    """Feedback that mirrors the run into the plugin's log tab and remembers the last error:
    the task reports the algorithm's exception through `reportError`."""

    def __init__(self):
        super().__init__()
        self.errors: list = []

    def reportError(self, error, fatalError=False):  # noqa: N802,N803  (QGIS API)
        self.errors.append(error)
        plugin_log.error(error)
        super().reportError(error, fatalError)

    def pushInfo(self, info):  # noqa: N802
        plugin_log.log(info)
        super().pushInfo(info)

    def pushWarning(self, warning):  # noqa: N802
        plugin_log.warning(warning)
        super().pushWarning(warning)

    def pushDebugInfo(self, info):  # noqa: N802  (the worker's own output lines)
        plugin_log.log(info)
        super().pushDebugInfo(info)


class FillRun(QObject):
    """One background fill at a time. Signals arrive in the main thread."""

    progressChanged = pyqtSignal(float)  # noqa: N815  (0-100)
    finished = pyqtSignal(bool, str)     # success, sentence for users

    def __init__(self, parent=None):
        super().__init__(parent)
        self._task = self._context = self._feedback = None
        self._source_id = self._method = self._renderer = None
        self.added_layers: list = []

    def is_running(self) -> bool:
        return self._task is not None

    def start(self, source, parameters: dict) -> None:
        """Run the fill algorithm on project layer `source` with `parameters` (minus INPUT)."""
        if self.is_running():
            raise RuntimeError("a fill is already running")
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(FILL_ALGORITHM_ID)
        self._context = QgsProcessingContext()
        self._context.setProject(QgsProject.instance())
        self._feedback = RecordingFeedback()
        self._feedback.progressChanged.connect(self.progressChanged)
        self._source_id, self._method = source.id(), parameters["METHOD"]
        self._renderer = source.renderer().clone() if source.renderer() else None
        self.added_layers = []
        plugin_log.log(f"fill {source.name()} with {self._method} -> {parameters['OUTPUT']}")
        self._task = QgsProcessingAlgRunnerTask(algorithm, dict(parameters, INPUT=source.id()),
                                                self._context, self._feedback)
        self._task.executed.connect(self._on_executed)
        QgsApplication.taskManager().addTask(self._task)

    def cancel(self) -> None:
        if self._feedback is not None:
            self._feedback.cancel()

    def _on_executed(self, ok: bool, results: dict) -> None:
        canceled = self._feedback.isCanceled()
        errors = list(self._feedback.errors)
        self._task = None
        if ok and not canceled:
            try:
                self.added_layers = add_fill_results(self._source_id, results, self._method,
                                                     self._renderer)
                message = f"Filled layer added: {results['OUTPUT']}"
                plugin_log.log(message, Qgis.MessageLevel.Success)
            except Exception as exc:  # report it; a silent failure would leave the UI waiting
                ok, message = False, f"The fill succeeded ({results.get('OUTPUT')}) but the " \
                                     f"layer could not be added: {exc}"
                plugin_log.error(traceback.format_exc())
        elif canceled:
            message = "Cancelled; no output was written."
            plugin_log.warning(message)
        else:
            message = errors[-1] if errors else "The fill failed; see the Landsat Gap Fill log."
        self.finished.emit(ok and not canceled, message)
