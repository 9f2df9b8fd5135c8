"""The "Fill scanlines" dialog: pick a layer, a method and an output, press Run.

It only collects parameters: the work is the `fillscanlines` Processing algorithm run by
`FillRun`, so the dialog and the toolbox cannot drift apart. Buttons, device row, progress and
reporting come from `RunDialog`."""
from __future__ import annotations

import os

from qgis.core import QgsMapLayerProxyModel, QgsProject, QgsRasterLayer
from qgis.gui import QgsMapLayerComboBox
from qgis.PyQt.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel

from ..deps import missing_torch_message
from ..layers import default_output_path, layer_file_path
from ..methods import choice, default_method, method_choices
from ..products import is_product_path, product_name
from .date_list import DateList
from .fill_run import FillRun
from .run_dialog import TITLE, RunDialog  # noqa: F401  (TITLE re-exported)
from .widgets import gap_text, populate_methods, product_file_widget, stacked, wrapping_label


class FillDialog(RunDialog):
    RUN = FillRun
    WINDOW_TITLE = "Fill Landsat 7 scanlines"
    HELP_SECTION = "the-fill-scanlines-dialog"
    ICON = "fill"

    def __init__(self, iface, parent=None):
        super().__init__(iface, parent)
        self._tree = QgsProject.instance().layerTreeRoot()  # reference candidates come and go
        self._tree.addedChildren.connect(self.refresh_references)
        self._tree.removedChildren.connect(self.refresh_references)
        self._gaps_pending = False
        self._on_method_changed()
        self._on_layer_changed(self.layer_combo.currentLayer())

    # ------------------------------------------------------------------ building
    def build_rows(self, form: QFormLayout) -> None:
        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.layer_combo.layerChanged.connect(self._on_layer_changed)
        self.product_widget = product_file_widget()
        self.product_widget.fileChanged.connect(lambda path: self._on_layer_changed(
            self.layer_combo.currentLayer()))
        self.gap_label = QLabel()
        self.reference_list = DateList()
        self.reference_list.setToolTip(
            "Other dates of the same place to fill from (any grid or CRS that overlaps). "
            "With references ticked, the methods that fill from other dates are offered.")
        self.reference_list.checkedChanged.connect(self._on_references_changed)
        self._with_references = False
        self.method_combo = QComboBox()
        populate_methods(self.method_combo, method_choices(False), default_method(False))
        self.method_combo.currentIndexChanged.connect(self._on_method_changed)
        self.method_help = wrapping_label()
        self.torch_note = wrapping_label(selectable=True)
        self.device_combo.currentIndexChanged.connect(self._refresh_running_on)
        for label, widget in (("Raster layer", self.layer_combo),
                              ("or Landsat product", self.product_widget),
                              ("", self.gap_label),
                              ("Reference dates", self.reference_list),
                              ("Method", self.method_combo),
                              ("", stacked(self.method_help, self.torch_note, self.install_button)),
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

    def references(self) -> list:
        return self.reference_list.checked_layers(QgsProject.instance())

    def product_text(self) -> str:
        return self.product_widget.filePath().strip()

    def product(self) -> str:
        """The Landsat product to fill ("" when none, or when the text is not one)."""
        return self.product_text() if is_product_path(self.product_text()) else ""

    def input_path(self):
        """The file the engine reads: the product when one is given, else the layer's file."""
        if self.product_text():
            return self.product() or None
        return layer_file_path(self.layer_combo.currentLayer())

    def refresh_references(self, *args) -> None:
        """The project's other file-based rasters, the layer being filled left out."""
        exclude = [] if self.product_text() else [self.layer_combo.currentLayer()]
        self.reference_list.refresh(QgsProject.instance(), exclude=exclude)

    def _on_references_changed(self) -> None:
        """With reference dates the methods that fill from them, else the single-image ones;
        each list starts on its default (the engine's DEFAULT_REFERENCE_METHOD with them)."""
        wanted = bool(self.references())
        if wanted == self._with_references:
            return
        self._with_references = wanted
        self.method_combo.blockSignals(True)
        populate_methods(self.method_combo, method_choices(wanted), default_method(wanted))
        self.method_combo.blockSignals(False)
        self._on_method_changed()

    def showEvent(self, event):  # noqa: N802  (Qt API)
        super().showEvent(event)
        if self._gaps_pending:
            self._on_layer_changed(self.layer_combo.currentLayer())

    def _on_layer_changed(self, layer) -> None:
        """The layer or the product changed: a product, when given, is what is filled."""
        self.layer_combo.setEnabled(not self.product_text())
        path = self.input_path()
        self.refresh_references()
        self.refresh_output()
        # a closed dialog measures nothing (Project > New, layers loaded by scripts...): the
        # measurement of the layer shown is made when the dialog opens
        self._gaps_pending = not self.isVisible()
        if self._gaps_pending:
            self.gap_label.setText("")
            return
        if path is None:
            self.gap_label.setText(
                f"Not a Landsat product (*_MTL.txt, its folder or .tar.gz): {self.product_text()}"
                if self.product_text() else
                "" if layer is None else "Gaps: unknown (not a local file)")
            return
        self.gap_label.setText("Gaps: measuring…")
        from ..worker.gaps import measure_gaps

        self.background.call("gaps", "Measuring SLC-off gaps", lambda: measure_gaps(path),
                             lambda info, error: self.gap_label.setText(gap_text(info, error)))

    def _on_method_changed(self) -> None:
        c = choice(self.method())
        self.method_help.setText(c.spec.summary)
        self.uncertainty_check.setEnabled(c.spec.has_uncertainty)
        if not c.spec.has_uncertainty:
            self.uncertainty_check.setChecked(False)
        missing = [m for m in method_choices(None) if not m.available and m.spec.needs_torch]
        self.torch_note.setVisible(bool(missing))
        self.install_button.setVisible(bool(missing))
        self.torch_note.setText("Neural methods " + missing_torch_message() if missing else "")
        self.refresh_output()
        self._refresh_running_on()

    def dependencies_changed(self) -> None:
        """PyTorch was installed: the neural methods are offered, the selection is kept."""
        method = self.method()
        self.method_combo.blockSignals(True)
        populate_methods(self.method_combo, method_choices(self._with_references), method)
        self.method_combo.blockSignals(False)
        self._on_method_changed()

    def _refresh_running_on(self) -> None:
        self.show_running_on(choice(self.method()).spec.needs_torch)

    def refresh_output(self) -> None:
        """Follow layer and method with the default name until the user types their own."""
        path = self.input_path()
        if path and self.product():  # <product name>_filled_<method>.tif beside the product
            path = os.path.join(os.path.dirname(os.path.normpath(path)),
                                product_name(path) + ".tif")
        self.follow_default_output(default_output_path(path, self.method()) if path else "")

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        layer, product = self.layer_combo.currentLayer(), self.product()
        output = self.output_widget.filePath().strip()
        problem = ("Not a Landsat product (*_MTL.txt, its folder or .tar.gz): "
                   f"{self.product_text()}" if self.product_text() and not product else
                   "Choose a raster layer read from a local file, or a Landsat product."
                   if self.input_path() is None else
                   "Choose an output file." if not output else None)
        if problem:
            self.status_label.setText(problem)
            return
        parameters = {"METHOD": self.method(), "DEVICE": self.device_combo.currentText(),
                      "TILE_SIZE": self.tile_spin.value(),
                      "FILLED_MASK": self.mask_check.isChecked(),
                      "UNCERTAINTY": self.uncertainty_check.isChecked(), "OUTPUT": output,
                      "REFERENCES": [ref.id() for ref in self.references()]}
        self.begin(f"Filling {product_name(product) if product else layer.name()} with "
                   f"{self.method()}…")
        self.run.start(None if product else layer, parameters, product)
