"""The "Fill scanlines" dialog: pick a layer, a method and an output, press Run.

It only collects parameters: the work is the `fillscanlines` Processing algorithm run by
`FillRun`, so the dialog and the toolbox cannot drift apart."""
from __future__ import annotations

from qgis.core import Qgis, QgsMapLayerProxyModel, QgsRasterLayer
from qgis.gui import QgsCollapsibleGroupBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtWidgets import (QApplication, QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                                 QFormLayout, QLabel, QProgressBar, QPushButton, QSpinBox,
                                 QVBoxLayout, QWidget)

from engine.device import DEVICES

from .. import log as plugin_log
from ..deps import missing_torch_message, running_on
from ..diagnostics import diagnostics_text
from ..icons import icon
from ..layers import default_output_path, layer_file_path
from ..methods import choice, default_method, method_choices
from .background import BackgroundCalls
from .fill_run import FillRun
from .widgets import gap_text, populate_methods

TITLE = "Landsat Gap Fill"


class FillDialog(QDialog):
    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.setWindowTitle("Fill Landsat 7 scanlines")
        self.setWindowIcon(icon("fill"))
        self.run = FillRun(self)
        self.background = BackgroundCalls(self)
        self._default_output = ""
        self._build()
        self.run.progressChanged.connect(lambda p: self.progress.setValue(int(p)))
        self.run.finished.connect(self._on_finished)
        self._on_method_changed()
        self._on_layer_changed(self.layer_combo.currentLayer())

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        form = QFormLayout()
        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.layer_combo.layerChanged.connect(self._on_layer_changed)
        self.gap_label = QLabel()
        self.method_combo = QComboBox()
        populate_methods(self.method_combo, method_choices(), default_method())
        self.method_combo.currentIndexChanged.connect(self._on_method_changed)
        self.method_help = _wrapping_label()
        self.torch_note = _wrapping_label(selectable=True)
        method_notes = QWidget()  # one form row, so the hidden note leaves no empty row
        notes = QVBoxLayout(method_notes)
        notes.setContentsMargins(0, 0, 0, 0)
        notes.addWidget(self.method_help)
        notes.addWidget(self.torch_note)
        self.device_combo = QComboBox()
        self.device_combo.addItems(list(DEVICES))
        self.device_combo.currentIndexChanged.connect(self._refresh_running_on)
        self.running_label = QLabel()
        self.output_widget = QgsFileWidget()
        self.output_widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.output_widget.setFilter("GeoTIFF (*.tif *.tiff)")
        for label, widget in (("Raster layer", self.layer_combo), ("", self.gap_label),
                              ("Method", self.method_combo), ("", method_notes),
                              ("Device", self.device_combo),
                              ("", self.running_label), ("Output file", self.output_widget)):
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._build_advanced())
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status_label = _wrapping_label(selectable=True)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        layout.addWidget(self._build_buttons())

    def showEvent(self, event):  # noqa: N802  (Qt API)
        """Fit the height once the layout knows its real content (collapsed box, wrapped
        labels at the final width)."""
        super().showEvent(event)
        QTimer.singleShot(0, lambda: self.resize(max(self.width(), 560),
                                                 self.layout().heightForWidth(
                                                     max(self.width(), 560))))

    def _build_advanced(self) -> QgsCollapsibleGroupBox:
        box = QgsCollapsibleGroupBox("Advanced")
        box.setCollapsed(True)
        form = QFormLayout(box)
        self.tile_spin = QSpinBox()
        self.tile_spin.setRange(64, 8192)
        self.tile_spin.setSingleStep(64)
        self.tile_spin.setValue(512)
        self.tile_spin.setSuffix(" px")
        self.mask_check = QCheckBox("Also write a filled-pixel mask (…_filled_mask.tif)")
        self.uncertainty_check = QCheckBox("Also write an uncertainty raster (…_uncertainty.tif)")
        form.addRow("Tile size", self.tile_spin)
        form.addRow(self.mask_check)
        form.addRow(self.uncertainty_check)
        return box

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
        close.clicked.connect(self.hide)
        return buttons

    # ------------------------------------------------------------------ reacting
    def select_layer(self, layer) -> None:
        if isinstance(layer, QgsRasterLayer):
            self.layer_combo.setLayer(layer)

    def method(self) -> str:
        return self.method_combo.currentData()

    def _on_layer_changed(self, layer) -> None:
        path = layer_file_path(layer)
        self._refresh_output()
        if path is None:
            self.gap_label.setText("" if layer is None else "Gaps: unknown (not a local file)")
            return
        self.gap_label.setText("Gaps: measuring…")
        from engine.jobs.info import describe_file

        self.background.call("gaps", "Measuring SLC-off gaps", lambda: describe_file(path),
                             lambda info, error: self.gap_label.setText(gap_text(info, error)))

    def _on_method_changed(self) -> None:
        c = choice(self.method())
        self.method_help.setText(c.spec.summary)
        self.uncertainty_check.setEnabled(c.spec.has_uncertainty)
        if not c.spec.has_uncertainty:
            self.uncertainty_check.setChecked(False)
        missing = [m for m in method_choices() if not m.available]
        self.torch_note.setVisible(bool(missing))
        self.torch_note.setText("Neural methods " + missing_torch_message() if missing else "")
        self._refresh_output()
        self._refresh_running_on()

    def _refresh_running_on(self) -> None:
        spec, device = choice(self.method()).spec, self.device_combo.currentText()
        self.device_combo.setEnabled(spec.needs_torch)
        self.device_combo.setToolTip("" if spec.needs_torch else
                                     "Classical methods always run on the CPU.")
        if not spec.needs_torch:
            self.running_label.setText(f"Running on: {running_on(False)}")
            return
        self.running_label.setText("Running on: checking…")
        self.background.call("device", "Checking PyTorch device",
                             lambda: running_on(True, device),
                             lambda text, error: self.running_label.setText(
                                 f"Running on: {text or error}"))

    def _refresh_output(self) -> None:
        """Follow layer and method with the default name until the user types their own."""
        path = layer_file_path(self.layer_combo.currentLayer())
        current = self.output_widget.filePath()
        if path is None or (current and current != self._default_output):
            return
        self._default_output = default_output_path(path, self.method())
        self.output_widget.setFilePath(self._default_output)

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        layer = self.layer_combo.currentLayer()
        output = self.output_widget.filePath().strip()
        problem = ("Choose a raster layer read from a local file." if layer_file_path(layer)
                   is None else "Choose an output file." if not output else None)
        if problem:
            self.status_label.setText(problem)
            return
        parameters = {"METHOD": self.method(), "DEVICE": self.device_combo.currentText(),
                      "TILE_SIZE": self.tile_spin.value(),
                      "FILLED_MASK": self.mask_check.isChecked(),
                      "UNCERTAINTY": self.uncertainty_check.isChecked(), "OUTPUT": output}
        self._set_running(True)
        self.status_label.setText(f"Filling {layer.name()} with {self.method()}…")
        self.run.start(layer, parameters)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.progress.setValue(0)

    def _on_finished(self, ok: bool, message: str) -> None:
        self._set_running(False)
        self.status_label.setText(message)
        if ok:
            self._default_output = ""  # next run proposes a fresh name
            self._refresh_output()
            self.iface.messageBar().pushMessage(TITLE, message, level=Qgis.MessageLevel.Success,
                                                duration=5)
            self.hide()
        else:
            level = Qgis.MessageLevel.Warning if message.startswith("Cancelled") \
                else Qgis.MessageLevel.Critical
            self.iface.messageBar().pushMessage(TITLE, message, level=level, duration=0)

    def copy_diagnostics(self) -> None:
        text = diagnostics_text()
        QApplication.clipboard().setText(text)
        plugin_log.log("diagnostics copied to the clipboard")
        self.status_label.setText("Diagnostics copied to the clipboard.")

    def shutdown(self) -> None:
        """Plugin unload: stop a running fill (the worker removes its partial files)."""
        self.run.cancel()


def _wrapping_label(selectable: bool = False) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
