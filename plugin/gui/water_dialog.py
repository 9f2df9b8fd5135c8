"""The "Water classes" dialog: tick two or more dates, pick the gap filling and an output, press
Run; the class layer appears above the first date and the class areas are shown here and in the
message bar.

It only collects parameters: the work is the `classifywaterseasonality` Processing algorithm run
by `WaterRun`. Buttons, device row, progress and reporting come from `RunDialog`."""
from __future__ import annotations

from qgis.core import QgsProject
from qgis.PyQt.QtWidgets import QComboBox, QFormLayout, QLineEdit

from engine.errors import InputError
from engine.water.bands import parse_band_list

from ..layers import default_water_output_path, layer_file_path
from ..water import (areas_from_results, areas_html, default_fill_method, fill_option,
                     fill_options, water_problem)
from .date_list import DateList
from .run_dialog import RunDialog
from .water_run import WaterRun
from .widgets import populate_methods, stacked, with_order_buttons, wrapping_label

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
        self.dates_label = wrapping_label()
        self.fill_combo = QComboBox()
        populate_methods(self.fill_combo, fill_options(), default_fill_method())
        self.fill_combo.currentIndexChanged.connect(self._on_fill_changed)
        self.fill_help = wrapping_label()
        self.torch_note = wrapping_label(selectable=True)
        self.device_combo.currentIndexChanged.connect(lambda: self.show_running_on(True))
        self.device_combo.setToolTip("Where the water model runs.")
        for label, widget in (("Dates", with_order_buttons(self.date_list)),
                              ("", self.dates_label),
                              ("Gap filling", self.fill_combo),
                              ("", stacked(self.fill_help, self.torch_note)),
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

    def fill_method(self) -> str:
        return self.fill_combo.currentData()

    def _on_project_changed(self, *args) -> None:
        self.refresh_layers()

    def _on_dates_changed(self) -> None:
        dates = self.dates()
        if not dates:
            text = "Tick two or more dates of the same place (red, NIR and SWIR1 bands)."
        else:
            text = (f"{len(dates)} date{'s' if len(dates) > 1 else ''} ticked; the first, "
                    f"{dates[0].name()}, sets the output grid.")
            if len(dates) < MIN_DATES:
                text += " Tick at least one more."
        self.dates_label.setText(text)
        self.refresh_output()

    def _on_fill_changed(self) -> None:
        self.fill_help.setText(fill_option(self.fill_method()).summary)
        problem = water_problem()
        self.torch_note.setVisible(bool(problem))
        self.torch_note.setText(problem)

    def refresh_output(self) -> None:
        """Follow the first ticked date with the default name until the user types their own."""
        dates = self.dates()
        path = layer_file_path(dates[0]) if dates else None
        self.follow_default_output(default_water_output_path(path) if path else "")

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        dates = self.dates()
        output = self.output_widget.filePath().strip()
        bands = self.bands_edit.text().strip().replace(" ", "")
        problem = ("Tick two or more dates (raster layers read from local files)."
                   if len(dates) < MIN_DATES else water_problem()
                   or ("Choose an output file." if not output else _bands_problem(bands)))
        if problem:
            self.status_label.setText(problem)
            return
        parameters = {"FILL_METHOD": self.fill_method(),
                      "DEVICE": self.device_combo.currentText(), "BANDS": bands,
                      "TILE_SIZE": self.tile_spin.value(), "OUTPUT": output}
        self.areas_label.setVisible(False)
        self.begin(f"Classifying water on {len(dates)} dates (gaps: {self.fill_method()})…")
        self.run.start(dates, parameters)

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


def _bands_problem(bands: str) -> str:
    """"" when `bands` is empty or three band numbers, else the reason."""
    try:
        values = parse_band_list(bands)
    except InputError as exc:
        return str(exc).replace("--bands", "Bands")
    if values is not None and len(values) != 3:
        return "Bands needs exactly three band numbers (red,NIR,SWIR1), e.g. 3,4,5."
    return ""
