"""A checkable list of the project's file-based raster layers, in layer panel order (top
first) until the user reorders it (drag, or the Up/Down buttons): the dates of a multi-date tool
are the ticked ones, in list order, and the first sets the output grid. The plugin's own
outputs (fills, masks, water classes: files tagged by the engine) are not offered: a filled
date's invented pixels would count as observations."""
from __future__ import annotations

from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from ..layers import file_raster_layers, is_engine_output, layer_file_path

ID_ROLE = Qt.ItemDataRole.UserRole
CHECKABLE = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
MIN_ROWS, MAX_ROWS = 4, 8  # visible rows; more layers scroll


class DateList(QListWidget):
    checkedChanged = pyqtSignal()  # noqa: N815  (Qt naming)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.itemChanged.connect(lambda item: self.checkedChanged.emit())
        self.model().rowsMoved.connect(lambda *args: self.checkedChanged.emit())

    def refresh(self, project, check=(), exclude=()) -> None:
        """List `project`'s file-based rasters again, keeping what was ticked; also tick the
        layers in `check`; leave out the layers in `exclude` (e.g. the layer being filled)."""
        ticked = set(self.checked_ids()) | {layer.id() for layer in check if layer is not None}
        left_out = {layer.id() for layer in exclude if layer is not None}
        layers = [layer for layer in file_raster_layers(project)
                  if layer.id() not in left_out and not is_engine_output(layer_file_path(layer))]
        layers = self._in_user_order(layers)
        self.blockSignals(True)
        self.clear()
        for layer in layers:
            item = QListWidgetItem(layer.name())
            item.setData(ID_ROLE, layer.id())
            item.setToolTip(f"{layer_file_path(layer)} ({layer.bandCount()} bands)")
            item.setFlags(CHECKABLE)
            item.setCheckState(Qt.CheckState.Checked if layer.id() in ticked
                               else Qt.CheckState.Unchecked)
            self.addItem(item)
        self.blockSignals(False)
        self._fit_height()
        self.checkedChanged.emit()

    def move_current(self, delta: int) -> None:
        """Move the selected date up (-1) or down (+1)."""
        row = self.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.count():
            return
        item = self.takeItem(row)
        self.insertItem(target, item)
        self.setCurrentRow(target)
        self.checkedChanged.emit()

    def _in_user_order(self, layers: list) -> list:
        """Layers already listed keep the order the user gave them; new ones take their layer
        panel position."""
        listed = [self.item(i).data(ID_ROLE) for i in range(self.count())]
        present = {layer.id() for layer in layers}
        by_id = {layer.id(): layer for layer in layers}
        kept = iter([by_id[i] for i in listed if i in present])
        known = set(listed)
        return [next(kept) if layer.id() in known else layer for layer in layers]

    def set_checked(self, layer_ids) -> None:
        """Tick exactly the layers in `layer_ids`."""
        wanted = set(layer_ids)
        self.blockSignals(True)
        for item in self._items():
            item.setCheckState(Qt.CheckState.Checked if item.data(ID_ROLE) in wanted
                               else Qt.CheckState.Unchecked)
        self.blockSignals(False)
        self.checkedChanged.emit()

    def checked_ids(self) -> list:
        return [item.data(ID_ROLE) for item in self._items()
                if item.checkState() == Qt.CheckState.Checked]

    def checked_layers(self, project) -> list:
        layers = [project.mapLayer(layer_id) for layer_id in self.checked_ids()]
        return [layer for layer in layers if layer is not None]

    def _fit_height(self) -> None:
        row = self.sizeHintForRow(0) if self.count() else self.fontMetrics().height() + 4
        rows = min(max(self.count(), MIN_ROWS), MAX_ROWS)
        self.setFixedHeight(rows * row + 2 * self.frameWidth() + 2)

    def _items(self) -> list:
        return [self.item(i) for i in range(self.count())]
