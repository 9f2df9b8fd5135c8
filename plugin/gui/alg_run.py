"""Runs one of the provider's Processing algorithms for a dialog, through
QgsProcessingAlgRunnerTask: the exact algorithm the toolbox, models and qgis_process run, in
QGIS's task manager (progress in the status bar, QGIS stays responsive). Subclasses say what
to do with the results (`on_success`), e.g. put layers next to the source."""
from __future__ import annotations

import traceback

from qgis.core import (Qgis, QgsApplication, QgsProcessingAlgRunnerTask, QgsProcessingContext,
                       QgsProcessingFeedback, QgsProject)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from .. import log as plugin_log


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


class AlgorithmRun(QObject):
    """One background run at a time. Signals arrive in the main thread."""

    progressChanged = pyqtSignal(float)  # noqa: N815  (0-100)
    finished = pyqtSignal(bool, str)     # success, sentence for users

    ALGORITHM_ID = ""
    WHAT = "The run"  # subject of the sentences below ("The fill failed; ...")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._task = self._context = self._feedback = None
        self.added_layers: list = []
        self.results: dict = {}

    def is_running(self) -> bool:
        return self._task is not None

    def run_algorithm(self, parameters: dict, description: str) -> None:
        if self.is_running():
            raise RuntimeError(f"{self.WHAT.lower()} is already running")
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(self.ALGORITHM_ID)
        self._context = QgsProcessingContext()
        self._context.setProject(QgsProject.instance())
        self._feedback = RecordingFeedback()
        self._feedback.progressChanged.connect(self.progressChanged)
        self.added_layers, self.results = [], {}
        plugin_log.log(description)
        self._task = QgsProcessingAlgRunnerTask(algorithm, parameters, self._context,
                                                self._feedback)
        self._task.executed.connect(self._on_executed)
        QgsApplication.taskManager().addTask(self._task)

    def cancel(self) -> None:
        if self._feedback is not None:
            self._feedback.cancel()

    def on_success(self, results: dict) -> str:
        """Main thread, after a successful run: add the layers; return the sentence to show."""
        raise NotImplementedError

    def _on_executed(self, ok: bool, results: dict) -> None:
        canceled = self._feedback.isCanceled()
        errors = list(self._feedback.errors)
        self._task = None
        if ok and not canceled:
            self.results = dict(results)
            try:
                message = self.on_success(results)
                plugin_log.log(message, Qgis.MessageLevel.Success)
            except Exception as exc:  # report it; a silent failure would leave the UI waiting
                ok, message = False, f"{self.WHAT} succeeded ({results.get('OUTPUT')}) but " \
                                     f"the layer could not be added: {exc}"
                plugin_log.error(traceback.format_exc())
        elif canceled:
            message = "Cancelled; no output was written."
            plugin_log.warning(message)
        else:
            message = errors[-1] if errors else \
                f"{self.WHAT} failed; see the Landsat Gap Fill log."
        self.finished.emit(ok and not canceled, message)
