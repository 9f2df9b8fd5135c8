"""Landsat products as dates in the Water classes dialog, as in the Fill dialog: QGIS cannot open
a product as one layer, so the dialog takes product paths beside the date list; with products
only, the output is named after the first and the class layer goes to the top of the panel.
A path that is no product is refused before anything runs."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import rasterio
from qgis.core import QgsProject

from plugin_testing import DATA, ROOT, wait_for

LE07 = DATA / "lethbridge_2000_384" / "LE07"
LT05 = DATA / "lethbridge_2000_384" / "LT05"
LE07_MTL = LE07 / "LE07_L1TP_041025_20000821_20170210_01_T1_MTL.txt"
STEM = LE07_MTL.name[:-len("_MTL.txt")]


@pytest.fixture
def dialog(plugin, qgis_iface, qgis_new_project):
    plugin.show_water_dialog()
    dlg = plugin.water_dialog
    dlg.output_widget.setFilePath("")  # forget an earlier test's output: propose the default
    yield dlg
    wait_for(lambda: not dlg.run.is_running() and not dlg.background.busy(), what="idle")
    dlg.products_widget.setFilePath("")  # the dialog lives on: leave it as it opened
    dlg.output_widget.setFilePath("")
    dlg.fill_combo.setCurrentIndex(dlg.fill_combo.findData("auto"))
    dlg.device_combo.setCurrentText("auto")
    dlg.hide()
    QgsProject.instance().removeAllMapLayers()


def test_products_given_in_the_dialog_are_classified_and_added(dialog, tmp_path):
    dialog.products_widget.setFilePath(f'"{LE07_MTL}" "{LT05}"')  # an MTL, then a folder
    assert dialog.products() == [str(LE07_MTL), str(LT05)]
    assert dialog.dates_label.text().startswith(f"2 dates given; the first, {STEM},")
    assert dialog.output_widget.filePath() == str(LE07 / f"{STEM}_water_classes.tif")
    dialog.fill_combo.setCurrentIndex(dialog.fill_combo.findData("none"))
    dialog.device_combo.setCurrentText("cpu")
    out = tmp_path / "classes.tif"
    dialog.output_widget.setFilePath(str(out))
    dialog.run_button.click()
    wait_for(lambda: not dialog.run.is_running(), what="the water task")
    assert dialog.status_label.text().startswith("Water classes added"), \
        dialog.status_label.text()

    truth = tmp_path / "engine.tif"  # what the engine's own command makes of the products
    subprocess.run([sys.executable, "-m", "engine", "water", str(LE07_MTL), str(LT05),
                    str(truth), "--fill-method", "none", "--device", "cpu", "--quiet"],
                   cwd=ROOT, check=True)
    with rasterio.open(out) as ds, rasterio.open(truth) as expected:
        assert ds.crs == expected.crs and ds.transform == expected.transform
        np.testing.assert_array_equal(ds.read(1), expected.read(1))
    (layer,) = dialog.run.added_layers
    assert layer.name() == f"{STEM} water classes (2 dates)"
    top = QgsProject.instance().layerTreeRoot().children()[0]
    assert top.layerId() == layer.id() and layer.renderer().type() == "paletted"


def test_a_path_that_is_no_product_is_refused_before_running(dialog, tmp_path):
    raster = DATA / "menindee_20100116_256.tif"  # a raster file, not a product
    dialog.products_widget.setFilePath(f'"{LE07_MTL}" "{raster}"')
    expected = f"Not a Landsat product (*_MTL.txt, its folder or .tar.gz): {raster}"
    assert dialog.dates_label.text() == expected
    dialog.output_widget.setFilePath(str(tmp_path / "classes.tif"))
    dialog.run_button.click()
    assert not dialog.run.is_running() and dialog.status_label.text() == expected
    assert not (tmp_path / "classes.tif").exists()
