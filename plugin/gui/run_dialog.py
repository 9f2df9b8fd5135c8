"""What the tool dialogs share: device row with "Running on", output file that follows a default
name until the user types their own, collapsible Advanced box with the tile size, progress bar,
status line, the Run / Cancel / Copy diagnostics / Close buttons, and the message bar and log
reporting of a run. Subclasses add their own rows and parameters; the work is always the
Processing algorithm run by their `AlgorithmRun`, so dialogs and toolbox cannot drift apart."""
from __future__ import annotations

from qgis.core import Qgis, QgsApplication
from qgis.gui import QgsCollapsibleGroupBox
from qgis.PyQt.QtCore import QTimer, QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import (QApplication, QComboBox, QDialog, QDialogButtonBox,
                                 QFormLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout)

from engine.device import DEVICES

from .. import log as plugin_log
from ..deps import running_on
from ..diagnostics import diagnostics_text
from ..installer import plan_install
from ..icons import icon
from .background import BackgroundCalls
from .install_task import InstallTask
from .widgets import geotiff_output_widget, tile_spin, wrapping_label

TITLE = "Landsat Gap Fill"
MIN_WIDTH = 560


class RunDialog(QDialog):
    """Base of the tool dialogs. Subclasses set RUN (an AlgorithmRun class), and implement
    `build_rows(form)`, `build_advanced_rows(form)` and `start()`."""

    RUN = None
    WINDOW_TITLE = ""
    HELP_SECTION = ""  # anchor of the dialog's section in docs/plugin.md
    ICON = "icon"
    HIDE_ON_SUCCESS = True
    SUCCESS_SECONDS = 5  # how long the success message stays in the message bar

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.setWindowTitle(self.WINDOW_TITLE)
        self.setWindowIcon(icon(self.ICON))
        self.run = self.RUN(self)
        self.background = BackgroundCalls(self)
        self._default_output = ""
        self.device_combo = QComboBox()
        self.device_combo.addItems(list(DEVICES))
        self.running_label = QLabel()
        self.output_widget = geotiff_output_widget()
        self.tile_spin = tile_spin()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status_label = wrapping_label(selectable=True)
        self.install_button = QPushButton("Install PyTorch")
        self.install_button.setToolTip(
            "Make a private Python environment for the engine in the plugin's folder (it sees "
            "QGIS's GDAL, rasterio and numpy) and install the pinned PyTorch there. Downloads "
            "about 1 GB; QGIS stays usable; no restart needed.")
        self.install_button.setVisible(False)
        self.install_button.clicked.connect(lambda: self.start_install())
        self.install_task = None
        self._build()
        self.run.progressChanged.connect(lambda p: self.progress.setValue(int(p)))
        self.run.finished.connect(self._on_finished)

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        form = QFormLayout()
        self.build_rows(form)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        box = QgsCollapsibleGroupBox("Advanced")
        box.setCollapsed(True)
        advanced = QFormLayout(box)
        self.build_advanced_rows(advanced)
        layout.addWidget(box)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        self.build_result_rows(layout)
        layout.addStretch(1)
        layout.addWidget(self._build_buttons())

    def build_rows(self, form: QFormLayout) -> None:
        raise NotImplementedError

    def build_advanced_rows(self, form: QFormLayout) -> None:
        form.addRow("Tile size", self.tile_spin)

    def build_result_rows(self, layout: QVBoxLayout) -> None:
        """Widgets under the status line (none by default)."""

    def _build_buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        self.run_button = buttons.addButton("Run", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.ActionRole)
        self.diagnostics_button = QPushButton("Copy diagnostics")
        buttons.addButton(self.diagnostics_button, QDialogButtonBox.ButtonRole.HelpRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.run.cancel)
        self.cancel_button.setEnabled(False)
        self.diagnostics_button.clicked.connect(self.copy_diagnostics)
        self.help_button = buttons.addButton(QDialogButtonBox.StandardButton.Help)
        self.help_button.clicked.connect(self.open_help)
        close.clicked.connect(self.hide)
        return buttons

    def showEvent(self, event):  # noqa: N802  (Qt API)
        """Fit the height once the layout knows its real content (collapsed box, wrapped
        labels at the final width)."""
        super().showEvent(event)
        QTimer.singleShot(0, self.fit_height)

    def fit_height(self) -> None:
        """Make room for the content (form layouts do not grow a dialog for wrapped labels
        or rows that appeared later by themselves)."""
        width = max(self.width(), MIN_WIDTH)
        height = max(self.layout().heightForWidth(width), self.minimumSizeHint().height())
        self.resize(width, height)

    # ------------------------------------------------------------------ shared behaviour
    def show_running_on(self, needs_torch: bool) -> None:
        """"Running on: CPU (n threads)", or the PyTorch device asked in the background."""
        device = self.device_combo.currentText()
        self.device_combo.setEnabled(needs_torch)
        self.device_combo.setToolTip("" if needs_torch else
                                     "Classical methods always run on the CPU.")
        if not needs_torch:
            self.running_label.setText(f"Running on: {running_on(False)}")
            return
        self.running_label.setText("Running on: checking…")
        self.background.call("device", "Checking PyTorch device",
                             lambda: running_on(True, device),
                             lambda text, error: self.running_label.setText(
                                 f"Running on: {text or 'unavailable'}"))

    def start_install(self, plan=None) -> None:
        """Install PyTorch (or what `plan` says) in the background; progress and pip's lines
        here, every line in the log tab, the result in the message bar."""
        if self.install_task is not None:
            return
        task = InstallTask(plan or plan_install())
        task.lineReceived.connect(self.status_label.setText)
        task.progressChanged.connect(lambda p: self.progress.setValue(int(p)))
        task.done.connect(self._on_install_done)
        self.install_task = task
        self.install_button.setEnabled(False)
        self.run_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.status_label.setText("Installing PyTorch… (pip's output is in the Landsat Gap "
                                  "Fill log tab)")
        QgsApplication.taskManager().addTask(task)

    def _on_install_done(self, ok: bool, message: str) -> None:
        self.install_task = None
        self.install_button.setEnabled(True)
        self.run_button.setEnabled(True)
        self.progress.setVisible(False)
        self.status_label.setText(message)
        self.iface.messageBar().pushMessage(
            TITLE, message, level=Qgis.MessageLevel.Success if ok else Qgis.MessageLevel.Critical,
            duration=self.SUCCESS_SECONDS if ok else 0)
        if ok:
            self.dependencies_changed()

    def dependencies_changed(self) -> None:
        """Subclasses: packages were installed, offer what can run now."""

    def follow_default_output(self, default: str) -> None:
        """Propose `default` ("" = none) unless the user typed their own output path."""
        current = self.output_widget.filePath()
        if not default or (current and current != self._default_output):
            return
        self._default_output = default
        self.output_widget.setFilePath(default)

    def begin(self, status: str) -> None:
        self.set_running(True)
        self.status_label.setText(status)

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.progress.setValue(0)

    def refresh_output(self) -> None:
        """Subclasses: recompute the default output name."""

    def success_message(self, message: str) -> str:
        """The message bar sentence after a successful run."""
        return message

    def _on_finished(self, ok: bool, message: str) -> None:
        self.set_running(False)
        self.status_label.setText(message)
        if ok:
            if self.output_widget.filePath() == self._default_output:
                self.output_widget.setFilePath("")  # it exists now: propose the next free name
            self._default_output = ""
            self.refresh_output()
            self.iface.messageBar().pushMessage(TITLE, self.success_message(message),
                                                level=Qgis.MessageLevel.Success,
                                                duration=self.SUCCESS_SECONDS)
            if self.HIDE_ON_SUCCESS:
                self.hide()
        else:
            level = Qgis.MessageLevel.Warning if message.startswith("Cancelled") \
                else Qgis.MessageLevel.Critical
            self.iface.messageBar().pushMessage(TITLE, message, level=level, duration=0)

    def help_url(self) -> str:
        """The dialog's section of the plugin guide (the algorithm's help page, anchored)."""
        algorithm = QgsApplication.processingRegistry().algorithmById(self.RUN.ALGORITHM_ID)
        return f"{algorithm.helpUrl()}#{self.HELP_SECTION}"

    def open_help(self) -> None:
        QDesktopServices.openUrl(QUrl(self.help_url()))

    def copy_diagnostics(self) -> None:
        text = diagnostics_text()
        QApplication.clipboard().setText(text)
        plugin_log.log("diagnostics copied to the clipboard")
        self.status_label.setText("Diagnostics copied to the clipboard.")

    def start(self) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        """Plugin unload: stop a running job (the worker removes its partial files)."""
        self.run.cancel()
