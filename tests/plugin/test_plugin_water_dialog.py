"""The Water classes dialog, driven like a user would: three real Menindee dates in the project,
two ticked, Run clicked, the background task finishes, and the class layer appears right above
the first date with the class palette, its areas in the dialog and the message bar. One date is
refused before anything runs; engine errors reach the message bar and the log tab in words."""
from __future__ import annotations

import pathlib
import re

import pytest
from qgis.core import Qgis, QgsApplication, QgsLayerTreeLayer, QgsProject, QgsRasterLayer

from plugin_testing import PERMANENT, PIXEL_M2, SEASONAL, class_pixels, class_shares, wait_for


@pytest.fixture
def dates(plugin, qgis_new_project, water_dates):
    """The three dates as layers named after their files, in the project; returned in layer
    panel order (top first)."""
    for path in water_dates:
        layer = QgsRasterLayer(path, pathlib.Path(path).stem)
        assert layer.isValid()
        QgsProject.instance().addMapLayer(layer)
    yield [n.layer() for n in QgsProject.instance().layerTreeRoot().findLayers()]
    QgsProject.instance().removeAllMapLayers()


@pytest.fixture
def dialog(plugin, qgis_iface, dates):
    qgis_iface.setActiveLayer(dates[0])
    plugin.show_water_dialog()
    dlg = plugin.water_dialog
    dlg.output_widget.setFilePath("")  # forget an earlier test's output: propose the default
    dlg.refresh_output()
    yield dlg
    wait_for(lambda: not dlg.run.is_running() and not dlg.background.busy(), what="idle")
    dlg.hide()


def test_dialog_lists_dates_and_proposes_output(dialog, dates):
    names = [dialog.date_list.item(i).text() for i in range(dialog.date_list.count())]
    assert names == [d.name() for d in dates]
    assert dialog.date_list.checked_ids() == [dates[0].id()]  # the active layer
    assert "Tick at least one more" in dialog.dates_label.text()
    first = dates[0].source()
    assert dialog.output_widget.filePath() == first.replace(".tif", "_water_classes.tif")

    path = dates[2].source()  # the list follows the layer panel
    QgsProject.instance().removeMapLayer(dates[2].id())
    assert dialog.date_list.count() == 2
    added = QgsRasterLayer(path, "added later")
    QgsProject.instance().addMapLayer(added)
    assert dialog.date_list.item(0).text() == "added later"
    dialog.date_list.set_checked([dates[1].id(), added.id()])  # ticked: in list order
    assert [d.name() for d in dialog.dates()] == ["added later", dates[1].name()]
    assert dialog.output_widget.filePath() == path.replace(".tif", "_water_classes.tif")
    assert [dialog.fill_combo.itemData(i) for i in (0, dialog.fill_combo.count() - 1)] == \
        ["auto", "none"]
    assert dialog.fill_combo.currentData() == "auto" and "idw" in dialog.fill_help.text()
    assert not dialog.torch_note.isVisible()  # PyTorch is installed here
    wait_for(lambda: "checking" not in dialog.running_label.text(), what="the device probe")
    assert re.match(r"Running on: (CPU|CUDA) \(", dialog.running_label.text())


def test_run_adds_class_layer_above_first_date_with_areas(dialog, dates, tmp_path, qgis_iface):
    by_name = {d.name(): d for d in dates}
    jan, may = by_name["menindee_20100116"], by_name["menindee_20100508"]
    dialog.date_list.set_checked([jan.id(), may.id()])
    first = dialog.dates()[0]
    dialog.fill_combo.setCurrentIndex(dialog.fill_combo.findData("idw"))
    out = tmp_path / "out" / "classes.tif"
    out.parent.mkdir()
    dialog.output_widget.setFilePath(str(out))
    dialog.run_button.click()
    assert dialog.run.is_running() and dialog.cancel_button.isEnabled()
    wait_for(lambda: not dialog.run.is_running(), what="the water task")

    assert dialog.status_label.text().startswith("Water classes added"), \
        dialog.status_label.text()
    (layer,) = dialog.run.added_layers
    assert layer.source() == str(out) and QgsProject.instance().mapLayer(layer.id())
    assert layer.crs() == first.crs() and layer.extent() == first.extent()
    assert (layer.width(), layer.height()) == (first.width(), first.height())
    renderer = layer.renderer()
    assert renderer.type() == "paletted"
    assert [c.label for c in renderer.classes()] == ["not water", "seasonal water",
                                                     "permanent water"]
    assert class_shares(out, SEASONAL)[2] > 0.85 and class_shares(out, PERMANENT)[3] > 0.95

    nodes = QgsProject.instance().layerTreeRoot().children()
    index = [n.layerId() for n in nodes if isinstance(n, QgsLayerTreeLayer)].index(first.id())
    assert nodes[index - 1].layerId() == layer.id()  # right above the first date

    seasonal_km2 = class_pixels(out)[2] * PIXEL_M2 / 1e6
    assert dialog.areas_label.isVisible()
    assert "km²" in dialog.areas_label.text() and "permanent water" in dialog.areas_label.text()
    assert f"{seasonal_km2:,.3f}" in dialog.areas_label.text()
    messages = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Success)
    assert any(f"seasonal water {seasonal_km2:,.3f} km²" in m and " ha)" in m for m in messages)
    assert dialog.isVisible() and dialog.run_button.isEnabled()


def test_one_date_is_refused_before_running(dialog, dates):
    dialog.date_list.set_checked([dates[0].id()])
    dialog.run_button.click()
    assert not dialog.run.is_running()
    assert dialog.status_label.text().startswith("Tick two or more dates")


def test_engine_error_goes_to_message_bar_and_log_tab(dialog, dates, tmp_path, qgis_iface):
    logged = []

    def record(text, tag, level):
        logged.append((tag, text))

    QgsApplication.messageLog().messageReceived.connect(record)
    try:
        dialog.date_list.set_checked([dates[0].id(), dates[1].id()])
        dialog.bands_edit.setText("1,2,7")
        dialog.output_widget.setFilePath(str(tmp_path / "classes.tif"))
        dialog.run_button.click()
        wait_for(lambda: not dialog.run.is_running(), what="the failing task")
        wait_for(lambda: any(tag == "Landsat Gap Fill" and "band 7 does not exist" in text
                             for tag, text in logged), what="the log tab entry")
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(record)
        dialog.bands_edit.clear()
    errors = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any("band 7 does not exist" in m for m in errors)
    assert "band 7 does not exist" in dialog.status_label.text()
    assert not (tmp_path / "classes.tif").exists()
