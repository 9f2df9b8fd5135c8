"""A Landsat product (MTL, folder or tarball) filled from the Fill scanlines dialog: QGIS cannot
open one as a layer, so the dialog takes its path beside the layer list; the product then wins
over the layer, and clearing it brings the layer back."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import rasterio
from qgis.core import QgsLayerTreeGroup, QgsProject, QgsRasterLayer
from rasterio.windows import Window

from plugin_testing import LETHBRIDGE_MTL, wait_for

from engine.io import open_scene
from engine.methods import DEFAULT_METHOD


@pytest.fixture
def dialog(plugin, qgis_iface, qgis_new_project, sample):
    layer = QgsRasterLayer(str(sample), "menindee")
    QgsProject.instance().addMapLayer(layer)
    qgis_iface.setActiveLayer(layer)
    plugin.show_fill_dialog()
    dlg = plugin.fill_dialog
    dlg.output_widget.setFilePath("")
    yield dlg
    wait_for(lambda: not dlg.run.is_running() and not dlg.background.busy(), what="idle")
    dlg.product_widget.setFilePath("")
    dlg.method_combo.setCurrentIndex(dlg.method_combo.findData(DEFAULT_METHOD))
    dlg.output_widget.setFilePath("")  # the next test's dialog proposes its own default
    dlg.hide()
    QgsProject.instance().removeAllMapLayers()


@pytest.fixture
def product(tmp_path):
    """A private copy of the real clean Lethbridge product (the default output goes beside it)."""
    folder = shutil.copytree(LETHBRIDGE_MTL.parent, tmp_path / "product")
    return folder / LETHBRIDGE_MTL.name


def _wait_gaps(dialog):
    wait_for(lambda: dialog.gap_label.text().startswith("Gaps: ")
             and "measuring" not in dialog.gap_label.text(), what="the gap line")
    return dialog.gap_label.text()


def test_product_chosen_in_the_dialog_is_filled_and_added(dialog, product, qgis_iface):
    dialog.method_combo.setCurrentIndex(dialog.method_combo.findData("idw"))
    _wait_gaps(dialog)
    dialog.product_widget.setFilePath(str(product))
    assert not dialog.layer_combo.isEnabled()
    assert _wait_gaps(dialog).startswith("Gaps: no gaps found")  # measured on the product
    stem = LETHBRIDGE_MTL.name[:-len("_MTL.txt")]
    assert dialog.output_widget.filePath() == str(product.parent / f"{stem}_filled_idw.tif")
    dialog.run_button.click()
    wait_for(lambda: not dialog.run.is_running(), what="the fill task")
    assert "Filled layer added" in dialog.status_label.text()

    filled = dialog.run.added_layers[0]
    assert filled.name() == f"{stem} filled (idw)"
    group = QgsProject.instance().layerTreeRoot().children()[0]
    assert isinstance(group, QgsLayerTreeGroup) and group.name() == f"{stem} filled (idw)"
    with open_scene(str(product)) as scene:
        p = scene.profile
        values = scene.read(Window(0, 0, p.width, p.height))
    with rasterio.open(filled.source()) as ds:
        assert ds.crs == p.crs and ds.transform == p.transform
        np.testing.assert_array_equal(ds.read(), values)  # clean product: a bit-exact copy

    dialog.show()
    dialog.product_widget.setFilePath("")  # back to the layer
    assert dialog.layer_combo.isEnabled()
    assert _wait_gaps(dialog).startswith("Gaps: 11.8 %")


def test_a_path_that_is_no_product_is_refused_before_running(dialog, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dialog.product_widget.setFilePath(str(out_dir / "missing_MTL.txt"))
    assert dialog.gap_label.text().startswith("Not a Landsat product")
    dialog.output_widget.setFilePath(str(out_dir / "o.tif"))
    dialog.run_button.click()
    assert not dialog.run.is_running()
    assert dialog.status_label.text().startswith("Not a Landsat product")
    assert list(out_dir.iterdir()) == []
