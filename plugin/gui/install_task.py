"""Runs an installer.InstallPlan in QGIS's task manager: installing PyTorch takes minutes and
QGIS must stay usable, and people need to see that pip is working, so every line it prints goes
to the "Landsat Gap Fill" log tab and to `lineReceived` (the dialog's status line), and the end
is one sentence in `done(ok, message)`."""
from __future__ import annotations

import os
import subprocess
from collections import deque

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from .. import log as plugin_log
from ..deps import forget_answers
from ..installer import InstallPlan, abandon, complete, failure_line, prepare
from ..worker.python import no_window

TAIL_LINES = 40


class InstallTask(QgsTask):
    lineReceived = pyqtSignal(str)
    done = pyqtSignal(bool, str)

    def __init__(self, plan: InstallPlan, what: str = "PyTorch"):
        super().__init__(f"Installing {what} for Landsat Gap Fill", QgsTask.Flag.CanCancel)
        self.plan, self.what = plan, what
        self.message = ""
        self._process = None

    def run(self) -> bool:
        try:
            prepare(self.plan)
            for step, command in enumerate(self.plan.commands):
                self.setProgress(100 * step / (len(self.plan.commands) + 1))
                if not self._run(command):
                    abandon(self.plan)
                    return False
            complete(self.plan)
        except OSError as exc:
            abandon(self.plan)
            self.message = f"{self.what} could not be installed: {exc}"
            return False
        self.message = (f"{self.what} installed in {self.plan.venv_dir}; the engine uses it "
                        "from now on")
        return True

    def _run(self, command) -> bool:
        plugin_log.log("running: " + " ".join(command))
        tail: deque = deque(maxlen=TAIL_LINES)
        env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONUNBUFFERED="1")
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, errors="replace", env=env, **no_window())
        for line in self._process.stdout:
            line = line.rstrip()
            if line:
                tail.append(line)
                plugin_log.log(line)
                self.lineReceived.emit(line)
        code = self._process.wait()
        if self.isCanceled():
            self.message = f"Cancelled: {self.what} was not installed"
            return False
        if code != 0:
            self.message = f"{self.what} could not be installed: {failure_line(tail, command)}"
            return False
        return True

    def cancel(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
        super().cancel()

    def finished(self, result: bool) -> None:
        """In the main thread: forget the session's answers on success, report either way."""
        if result:
            forget_answers()
            plugin_log.log(self.message)
        else:
            plugin_log.error(self.message or f"{self.what} could not be installed")
        self.done.emit(bool(result), self.message)
