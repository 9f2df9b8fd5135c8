"""Widget helpers shared by the dialogs: method list entries, wrapping labels, the tile-size
box, the output-file picker, and the gap sentence."""
from __future__ import annotations

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (QHBoxLayout, QLabel, QSpinBox, QToolButton, QVBoxLayout,
                                 QWidget)

from ..products import PRODUCT_FILTER
from ..worker.gaps import NO_GAPS


def populate_methods(combo, choices, selected: str) -> None:
    """One entry per method (methods.MethodChoice or water.FillOption: name, label, summary,
    available, reason); those that cannot run here are shown but disabled, with the reason (and
    the install command) as tooltip."""
    combo.clear()
    for c in choices:
        combo.addItem(c.label, c.name)
        index = combo.count() - 1
        combo.setItemData(index, c.reason or c.summary, Qt.ItemDataRole.ToolTipRole)
        if not c.available:
            combo.model().item(index).setEnabled(False)
    combo.setCurrentIndex(max(0, combo.findData(selected)))


def wrapping_label(selectable: bool = False) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def stacked(*widgets) -> QWidget:
    """Widgets in one form row, so a hidden one leaves no empty row."""
    row = QWidget()
    layout = QVBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return row


def with_order_buttons(date_list) -> QWidget:
    """A DateList with Up/Down buttons beside it (dragging works too): the order is the dates'
    order, and the first sets the output grid."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(date_list, 1)
    buttons = QVBoxLayout()
    for text, delta, tip in (("▲", -1, "Move the selected date up"),
                             ("▼", 1, "Move the selected date down")):
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.clicked.connect(lambda checked=False, d=delta: date_list.move_current(d))
        buttons.addWidget(button)
        setattr(date_list, "up_button" if delta < 0 else "down_button", button)
    buttons.addStretch(1)
    layout.addLayout(buttons)
    return row


def tile_spin(value: int = 512) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(64, 8192)
    spin.setSingleStep(64)
    spin.setValue(value)
    spin.setSuffix(" px")
    return spin


def geotiff_output_widget() -> QgsFileWidget:
    widget = QgsFileWidget()
    widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
    widget.setFilter("GeoTIFF (*.tif *.tiff)")
    return widget


def product_file_widget(multiple: bool = False) -> QgsFileWidget:
    """A Landsat product to open (its *_MTL.txt or .tar.gz; a folder path may be typed), or
    several, in order, for multi-date tools (`product_paths` reads them back)."""
    widget = QgsFileWidget()
    widget.setStorageMode(QgsFileWidget.StorageMode.GetMultipleFiles if multiple
                          else QgsFileWidget.StorageMode.GetFile)
    widget.setFilter(PRODUCT_FILTER)
    widget.setToolTip(
        "Landsat Collection products, dates after the ticked layers, in this order: each "
        "its *_MTL.txt (the band files beside it are read), its folder (type the path, in "
        "double quotes when there are several) or its .tar/.tar.gz. Clear it to use layers "
        "only." if multiple else
        "A Landsat Collection product instead of a layer: its *_MTL.txt (the band "
        "files beside it are read), its folder (type the path) or its "
        ".tar/.tar.gz. Clear it to fill the layer above.")
    return widget


def product_paths(widget: QgsFileWidget) -> list:
    """The paths typed or picked in a multiple-product widget, in order."""
    return [p for p in QgsFileWidget.splitFilePaths(widget.filePath().strip()) if p.strip()]


def gap_text(info, error) -> str:
    """"Gaps: 11.8 % of the raster (12.0 % of the footprint)" from engine.jobs.info's answer."""
    if error is not None or info is None:
        return f"Gaps: cannot measure ({error})"
    if info.gap_fraction == 0:
        return f"Gaps: {NO_GAPS}"
    share = 100 * info.gap_fraction / max(info.footprint_fraction, 1e-9)
    return f"Gaps: {100 * info.gap_fraction:.1f} % of the raster ({share:.1f} % of the footprint)"
