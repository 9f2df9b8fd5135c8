"""The "Water classes" dialog: tick two or more dates, pick the gap filling and an output, press
Run; the class layer appears above the first date and the class areas are shown here and in the
message bar.

It only collects parameters: the work is the `classifywaterseasonality` Processing algorithm run
by `WaterRun`. Buttons, device row, progress and reporting come from `RunDialog`."""
from __future__ import annotations

import os

from qgis.core import QgsProject
from qgis.PyQt.QtWidgets import QComboBox, QFormLayout, QLineEdit

from engine.errors import InputError
from engine.water.bands import parse_band_list

from ..layers import default_water_output_path, layer_file_path
from ..products import is_product_path, product_name
from ..water import (areas_from_results, areas_html, default_fill_method, fill_option,
                     fill_options, water_problem)
from .date_list import DateList
from .run_dialog import RunDialog
from .water_run import WaterRun
from .widgets import (populate_methods, product_file_widget, product_paths, stacked,
                      with_order_buttons, wrapping_label)

MIN_DATES = 2


class WaterDialog(RunDialog):
    RUN = WaterRun
    WINDOW_TITLE = "Water classes"
    HELP_SECTION = "the-water-classes-dialog"
    ICON = "water"
    HIDE_ON_SUCCESS = False  # the class areas are shown here
    SUCCESS_SECONDS = 20

    def __init__(self, iface, parent=None):
        super().__init__(iface, parent)
        self._tree = QgsProject.instance().layerTreeRoot()  # layers come and go in the panel
        self._tree.addedChildren.connect(self._on_project_changed)
        self._tree.removedChildren.connect(self._on_project_changed)
        self._on_fill_changed()
        self.refresh_layers()
        self.show_running_on(True)

    # ------------------------------------------------------------------ building
    def build_rows(self, form: QFormLayout) -> None:
        self.date_list = DateList()
        self.date_list.checkedChanged.connect(self._on_dates_changed)
        self.products_widget = product_file_widget(multiple=True)
        self.products_widget.fileChanged.connect(lambda path: self._on_dates_changed())
        self.dates_label = wrapping_label()
        self.fill_combo = QComboBox()
        populate_methods(self.fill_combo, fill_options(), default_fill_method())
        self.fill_combo.currentIndexChanged.connect(self._on_fill_changed)
        self.fill_help = wrapping_label()
        self.torch_note = wrapping_label(selectable=True)
        self.device_combo.currentIndexChanged.connect(lambda: self.show_running_on(True))
        self.device_combo.setToolTip("Where the water model runs.")
        for label, widget in (("Dates", with_order_buttons(self.date_list)),
                              ("and Landsat products", self.products_widget),
                              ("", self.dates_label),
                              ("Gap filling", self.fill_combo),
                              ("", stacked(self.fill_help, self.torch_note, self.install_button)),
                              ("Device", self.device_combo), ("", self.running_label),
                              ("Output file", self.output_widget)):
            form.addRow(label, widget)

    def build_advanced_rows(self, form: QFormLayout) -> None:
        self.bands_edit = QLineEdit()
        self.bands_edit.setPlaceholderText("from band names, e.g. 3,4,5")
        self.bands_edit.setToolTip("1-based band numbers of red, NIR and SWIR1 in every date "
                                   "(Landsat 4-7: 3,4,5; Landsat 8-9: 4,5,6). Empty: found "
                                   "from the band names; a 3-band raster is read as red, NIR, "
                                   "SWIR1.")
        form.addRow("Bands (red,NIR,SWIR1)", self.bands_edit)
        super().build_advanced_rows(form)

    def build_result_rows(self, layout) -> None:
        self.areas_label = wrapping_label(selectable=True)
        self.areas_label.setVisible(False)
        layout.addWidget(self.areas_label)

    # ------------------------------------------------------------------ reacting
    def refresh_layers(self, check=()) -> None:
        """List the project's file-based rasters again (ticks kept); tick `check` too."""
        self.date_list.refresh(QgsProject.instance(), check)
        if self.isVisible():
            self.fit_height()

    def dates(self) -> list:
        return self.date_list.checked_layers(QgsProject.instance())

    def products(self) -> list:
        """The Landsat products given as further dates (after the ticked layers), in order."""
        return product_paths(self.products_widget)

    def _not_products(self) -> list:
        return [p for p in self.products() if not is_product_path(p)]

    def fill_method(self) -> str:
        return self.fill_combo.currentData()

    def _on_project_changed(self, *args) -> None:
        self.refresh_layers()

    def _on_dates_changed(self) -> None:
        dates, products = self.dates(), self.products()
        count = len(dates) + len(products)
        if self._not_products():
            text = _not_product_text(self._not_products()[0])
        elif not count:
            text = "Tick two or more dates of the same place (red, NIR and SWIR1 bands)."
        else:
            first = dates[0].name() if dates else product_name(products[0])
            text = (f"{count} date{'s' if count > 1 else ''} "
                    f"{'given' if products else 'ticked'}; the first, {first}, sets the "
                    "output grid.")
            if count < MIN_DATES:
                text += " Tick at least one more, or add a Landsat product."
        self.dates_label.setText(text)
        self.refresh_output()

    def _on_fill_changed(self) -> None:
        self.fill_help.setText(fill_option(self.fill_method()).summary)
        problem = water_problem()
        self.torch_note.setVisible(bool(problem))
        self.install_button.setVisible(bool(problem))
        self.torch_note.setText(problem)

    def dependencies_changed(self) -> None:
        """PyTorch was installed: water classes and the neural fill methods can run now."""
        method = self.fill_method()
        self.fill_combo.blockSignals(True)
        populate_methods(self.fill_combo, fill_options(), method)
        self.fill_combo.blockSignals(False)
        self._on_fill_changed()
        self.show_running_on(True)

    def refresh_output(self) -> None:
        """Follow the first ticked date with the default name until the user types their own."""
        dates, products = self.dates(), [p for p in self.products() if is_product_path(p)]
        path = layer_file_path(dates[0]) if dates else None
        if path is None and not dates and products:  # beside the product, named after it
            path = os.path.join(os.path.dirname(os.path.normpath(products[0])),
                                product_name(products[0]) + ".tif")
        self.follow_default_output(default_water_output_path(path) if path else "")

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        dates, products = self.dates(), self.products()
        output = self.output_widget.filePath().strip()
        bands = self.bands_edit.text().strip().replace(" ", "")
        problem = (_not_product_text(self._not_products()[0]) if self._not_products() else
                   "Tick two or more dates (raster layers read from local files), or add "
                   "Landsat products." if len(dates) + len(products) < MIN_DATES else
                   water_problem()
                   or ("Choose an output file." if not output else _bands_problem(bands)))
        if problem:
            self.status_label.setText(problem)
            return
        parameters = {"FILL_METHOD": self.fill_method(),
                      "DEVICE": self.device_combo.currentText(), "BANDS": bands,
                      "TILE_SIZE": self.tile_spin.value(), "OUTPUT": output}
        self.areas_label.setVisible(False)
        self.begin(f"Classifying water on {len(dates) + len(products)} dates "
                   f"(gaps: {self.fill_method()})…")
        self.run.start(dates, parameters, products)

    def success_message(self, message: str) -> str:
        return f"{message}. {self.run.areas_sentence()}"

    def _on_finished(self, ok: bool, message: str) -> None:
        super()._on_finished(ok, message)
        if ok:
            self.areas_label.setText(areas_html(areas_from_results(self.run.results)))
            self.areas_label.setVisible(True)
            self.fit_height()

    def shutdown(self) -> None:
        super().shutdown()
        for signal in (self._tree.addedChildren, self._tree.removedChildren):
            try:
                signal.disconnect(self._on_project_changed)
            except TypeError:  # already disconnected
                pass


def _not_product_text(path: str) -> str:
    return f"Not a Landsat product (*_MTL.txt, its folder or .tar.gz): {path}"


def _bands_problem(bands: str) -> str:
    """"" when `bands` is empty or three band numbers, else the reason."""
    try:
        values = parse_band_list(bands)
    except InputError as exc:
        return str(exc).replace("--bands", "Bands")
    if values is not None and len(values) != 3:
        return "Bands needs exactly three band numbers (red,NIR,SWIR1), e.g. 3,4,5."
    return ""
