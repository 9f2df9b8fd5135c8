"""Small read-only jobs (gap percentage of a layer, device probe) run in QGIS's task manager so
the dialog never freezes on a large scene; results arrive in the main thread."""
from __future__ import annotations

from typing import Callable

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import QObject


class BackgroundCalls(QObject):
    """Runs `function()` in a task; calls `done(result, error)` in the main thread, but only for
    the latest call per key, so a slow answer about a previous layer never overwrites a newer
    one."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._tasks: dict = {}
        self._latest: dict = {}

    def call(self, key: str, description: str, function: Callable,
             done: Callable[[object, object], None]) -> None:
        token = self._latest.get(key, 0) + 1
        self._latest[key] = token

        def finished(exception, result=None):
            self._tasks.pop((key, token), None)
            if self._latest.get(key) == token:
                done(result, exception)

        task = QgsTask.fromFunction(description, lambda task: function(), on_finished=finished,
                                    flags=QgsTask.Flag.CanCancel)
        self._tasks[(key, token)] = task  # keep the Python wrapper alive until it finished
        QgsApplication.taskManager().addTask(task)

    def busy(self) -> bool:
        return bool(self._tasks)
