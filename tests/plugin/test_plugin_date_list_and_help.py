"""The Water dialog's date list: the plugin's own outputs (a fill, its mask) are not offered as
dates, and the order can be changed (the first date sets the output grid), surviving a refresh
of the list when layers come and go. The dialogs' Help button opens their guide section."""
from __future__ import annotations

import pathlib
import shutil

import processing
import pytest
from qgis.core import QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QObject, QUrl, pyqtSlot
from qgis.PyQt.QtGui import QDesktopServices

from plugin_testing import FILL, ROOT, wait_for


@pytest.fixture
def layers(plugin, qgis_new_project, water_dates, tmp_path):
    """Two real dates and, in the project too, the fill of the first one and its mask."""
    first = str(shutil.copy(water_dates[0], tmp_path / pathlib.Path(water_dates[0]).name))
    filled = tmp_path / "filled.tif"
    results = processing.run(FILL, {"INPUT": first, "METHOD": "telea", "FILLED_MASK": True,
                                    "OUTPUT": str(filled)})
    paths = [first, water_dates[1], str(filled), results["OUTPUT_FILLED_MASK"]]
    added = []
    for path in paths:
        layer = QgsRasterLayer(path, pathlib.Path(path).stem)
        assert layer.isValid()
        QgsProject.instance().addMapLayer(layer)
        added.append(layer)
    yield added
    QgsProject.instance().removeAllMapLayers()


def test_own_outputs_are_not_dates_and_the_order_can_change(plugin, qgis_iface, layers):
    jan, feb, filled, mask = layers
    qgis_iface.setActiveLayer(jan)
    plugin.show_water_dialog()
    dialog = plugin.water_dialog
    try:
        dialog.output_widget.setFilePath("")
        listed = [dialog.date_list.item(i).data(0x0100) for i in range(dialog.date_list.count())]
        assert sorted(listed) == sorted([jan.id(), feb.id()])  # not the fill, not the mask
        dialog.date_list.set_checked([jan.id(), feb.id()])
        order = [d.id() for d in dialog.dates()]

        dialog.date_list.setCurrentRow(1)
        dialog.date_list.up_button.click()
        assert [d.id() for d in dialog.dates()] == order[::-1]
        assert dialog.dates_label.text().split("the first, ")[1].startswith(
            dialog.dates()[0].name())
        assert dialog.output_widget.filePath().startswith(
            dialog.dates()[0].source().replace(".tif", "_water_classes"))

        QgsProject.instance().removeMapLayer(mask.id())  # a refresh keeps the user's order
        assert [d.id() for d in dialog.dates()] == order[::-1]
    finally:
        wait_for(lambda: not dialog.background.busy(), what="idle")
        dialog.hide()


class _Opened(QObject):
    """Receives the URLs Qt would hand to the browser (QDesktopServices' own handler hook)."""

    def __init__(self):
        super().__init__()
        self.urls: list = []

    @pyqtSlot(QUrl)
    def open(self, url):
        self.urls.append(url.toString())


@pytest.mark.parametrize("which, heading", [("fill", "## The Fill scanlines dialog"),
                                            ("water", "## The Water classes dialog")])
def test_help_button_opens_the_dialogs_section(plugin, qgis_new_project, which, heading):
    getattr(plugin, f"show_{which}_dialog")()
    dialog = getattr(plugin, f"{which}_dialog")
    opened = _Opened()
    QDesktopServices.setUrlHandler("https", opened, "open")
    try:
        dialog.help_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("https")
        wait_for(lambda: not dialog.background.busy(), what="idle")
        dialog.hide()
    assert len(opened.urls) == 1
    page, anchor = opened.urls[0].split("#")
    assert page.endswith("/docs/plugin.md")
    guide = (ROOT / "docs" / "plugin.md").read_text(encoding="utf-8")
    assert heading in guide  # GitHub's anchor of that heading
    assert anchor == heading.lstrip("# ").lower().replace(" ", "-")
