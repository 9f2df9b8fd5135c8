"""The "Fill scanlines" dialog: pick a layer, a method and an output, press Run.

It only collects parameters: the work is the `fillscanlines` Processing algorithm run by
`FillRun`, so the dialog and the toolbox cannot drift apart. Buttons, device row, progress and
reporting come from `RunDialog`."""
from __future__ import annotations

from qgis.core import QgsMapLayerProxyModel, QgsRasterLayer
from qgis.gui import QgsMapLayerComboBox
from qgis.PyQt.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel

from ..deps import missing_torch_message
from ..layers import default_output_path, layer_file_path
from ..methods import choice, default_method, method_choices
from .fill_run import FillRun
from .run_dialog import TITLE, RunDialog  # noqa: F401  (TITLE re-exported)
from .widgets import gap_text, populate_methods, stacked, wrapping_label


class FillDialog(RunDialog):
    RUN = FillRun
    WINDOW_TITLE = "Fill Landsat 7 scanlines"
    ICON = "fill"

    def __init__(self, iface, parent=None):
        super().__init__(iface, parent)
        self._on_method_changed()
        self._on_layer_changed(self.layer_combo.currentLayer())

    # ------------------------------------------------------------------ building
    def build_rows(self, form: QFormLayout) -> None:
        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.layer_combo.layerChanged.connect(self._on_layer_changed)
        self.gap_label = QLabel()
        self.method_combo = QComboBox()
        populate_methods(self.method_combo, method_choices(), default_method())
        self.method_combo.currentIndexChanged.connect(self._on_method_changed)
        self.method_help = wrapping_label()
        self.torch_note = wrapping_label(selectable=True)
        self.device_combo.currentIndexChanged.connect(self._refresh_running_on)
        for label, widget in (("Raster layer", self.layer_combo), ("", self.gap_label),
                              ("Method", self.method_combo),
                              ("", stacked(self.method_help, self.torch_note)),
                              ("Device", self.device_combo),
                              ("", self.running_label), ("Output file", self.output_widget)):
            form.addRow(label, widget)

    def build_advanced_rows(self, form: QFormLayout) -> None:
        super().build_advanced_rows(form)
        self.mask_check = QCheckBox("Also write a filled-pixel mask (…_filled_mask.tif)")
        self.uncertainty_check = QCheckBox("Also write an uncertainty raster (…_uncertainty.tif)")
        form.addRow(self.mask_check)
        form.addRow(self.uncertainty_check)

    # ------------------------------------------------------------------ reacting
    def select_layer(self, layer) -> None:
        if isinstance(layer, QgsRasterLayer):
            self.layer_combo.setLayer(layer)

    def method(self) -> str:
        return self.method_combo.currentData()

    def _on_layer_changed(self, layer) -> None:
        path = layer_file_path(layer)
        self.refresh_output()
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
        self.refresh_output()
        self._refresh_running_on()

    def _refresh_running_on(self) -> None:
        self.show_running_on(choice(self.method()).spec.needs_torch)

    def refresh_output(self) -> None:
        """Follow layer and method with the default name until the user types their own."""
        path = layer_file_path(self.layer_combo.currentLayer())
        self.follow_default_output(default_output_path(path, self.method()) if path else "")

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
        self.begin(f"Filling {layer.name()} with {self.method()}…")
        self.run.start(layer, parameters)
