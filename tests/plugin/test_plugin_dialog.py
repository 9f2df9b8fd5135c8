"""The Fill scanlines dialog, driven like a user would: the sample layer is in the project and
active, Run is clicked, the background task finishes, and the filled layer appears above the
source, styled like it. Cancel leaves no file; errors reach the message bar in words."""
from __future__ import annotations

import os

import pytest
from qgis.core import (Qgis, QgsApplication, QgsLayerTreeGroup, QgsLayerTreeLayer, QgsProject,
                       QgsRasterLayer)

from plugin_testing import assert_filled_correctly, wait_for
from engine.methods import DEFAULT_METHOD


@pytest.fixture
def dialog(plugin, qgis_iface, qgis_new_project, sample):
    layer = QgsRasterLayer(str(sample), "menindee")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    qgis_iface.setActiveLayer(layer)
    plugin.show_fill_dialog()
    dlg = plugin.fill_dialog
    yield dlg
    wait_for(lambda: not dlg.run.is_running() and not dlg.background.busy(), what="idle")
    dlg.hide()
    QgsProject.instance().removeAllMapLayers()


def test_dialog_preselects_layer_and_proposes_output(dialog, sample):
    assert dialog.layer_combo.currentLayer().name() == "menindee"
    wait_for(lambda: "%" in dialog.gap_label.text(), what="gap percentage")
    assert dialog.gap_label.text().startswith("Gaps: 11.8 % of the raster")
    assert dialog.output_widget.filePath() == str(sample.parent /
                                                   f"menindee_20100116_filled_{DEFAULT_METHOD}.tif")
    dialog.method_combo.setCurrentIndex(dialog.method_combo.findData("telea"))
    assert dialog.output_widget.filePath().endswith("menindee_20100116_filled_telea.tif")
    assert "Telea" in dialog.method_combo.currentText() and dialog.method_help.text()
    assert dialog.running_label.text().startswith("Running on: CPU (")
    assert not dialog.uncertainty_check.isEnabled()  # classical methods have no uncertainty


def test_run_adds_filled_layer_above_source_styled_like_it(dialog, sample, tmp_path,
                                                            qgis_iface):
    source = dialog.layer_combo.currentLayer()
    out = tmp_path / "out" / "filled.tif"
    out.parent.mkdir()
    dialog.output_widget.setFilePath(str(out))
    dialog.mask_check.setChecked(True)
    dialog.run_button.click()
    assert dialog.run.is_running() and dialog.cancel_button.isEnabled()
    wait_for(lambda: not dialog.run.is_running(), what="the fill task")

    filled, mask = dialog.run.added_layers
    assert filled.source() == str(out) and QgsProject.instance().mapLayer(filled.id())
    assert filled.crs() == source.crs() and filled.extent() == source.extent()
    assert (filled.width(), filled.height()) == (source.width(), source.height())
    assert_filled_correctly(sample, out, mask.source())

    root = QgsProject.instance().layerTreeRoot()
    group, source_node = root.children()[:2]
    assert isinstance(group, QgsLayerTreeGroup) and isinstance(source_node, QgsLayerTreeLayer)
    assert source_node.layerId() == source.id()
    assert [n.layerId() for n in group.findLayers()] == [filled.id(), mask.id()]
    assert group.findLayer(filled.id()).isVisible()

    a, b = source.renderer(), filled.renderer()
    assert b.type() == a.type() == "multibandcolor"
    assert (b.redBand(), b.greenBand(), b.blueBand()) == (a.redBand(), a.greenBand(),
                                                          a.blueBand())
    for get in ("redContrastEnhancement", "greenContrastEnhancement"):
        ca, cb = getattr(a, get)(), getattr(b, get)()
        assert (cb.minimumValue(), cb.maximumValue()) == (ca.minimumValue(), ca.maximumValue())
    assert mask.renderer().type() == "paletted"
    assert any("Filled layer added" in m for m in
               qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Success))
    assert not dialog.isVisible()


def test_cancel_from_dialog_leaves_no_file(dialog, tmp_path, qgis_iface):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dialog.output_widget.setFilePath(str(out_dir / "filled.tif"))
    dialog.tile_spin.setValue(64)
    dialog.method_combo.setCurrentIndex(dialog.method_combo.findData("navier-stokes"))
    def cancel_past_5(p):
        if p > 5:
            dialog.cancel_button.click()

    dialog.run.progressChanged.connect(cancel_past_5)
    try:
        dialog.run_button.click()
        wait_for(lambda: not dialog.run.is_running(), what="the cancelled task")
    finally:  # the dialog outlives the test: later runs must not be cancelled
        dialog.run.progressChanged.disconnect(cancel_past_5)
    assert os.listdir(out_dir) == []
    assert dialog.status_label.text().startswith("Cancelled")
    assert dialog.run.added_layers == [] and len(QgsProject.instance().mapLayers()) == 1
    assert dialog.run_button.isEnabled()


def test_error_goes_to_message_bar_and_log_tab_in_words(dialog, tmp_path, qgis_iface):
    logged = []

    def record(text, tag, level):
        logged.append((tag, text))

    QgsApplication.messageLog().messageReceived.connect(record)
    try:
        dialog.output_widget.setFilePath(str(tmp_path / "no" / "such" / "dir" / "filled.tif"))
        dialog.run_button.click()
        wait_for(lambda: not dialog.run.is_running(), what="the failing task")
        wait_for(lambda: any(tag == "Landsat Gap Fill" and "output folder does not exist" in text
                             for tag, text in logged), what="the log tab entry")
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(record)
    errors = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any("output folder does not exist" in m for m in errors)
    assert "output folder does not exist" in dialog.status_label.text()
    assert dialog.isVisible()


def test_copy_diagnostics(dialog):
    from qgis.PyQt.QtWidgets import QApplication

    dialog.diagnostics_button.click()
    text = QApplication.clipboard().text()
    assert "Landsat 7 Gap Fill 0.1.0" in text and "QGIS 3." in text
    assert "Worker: subprocess" in text and "Running on: CPU (" in text
