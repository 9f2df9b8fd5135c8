"""Landsat products (MTL, folder, tarball) as dates of the Water algorithm, as the engine's
`water` command takes them: QGIS cannot open a product as one layer, so they come as a file
list beside the layers (and as paths inside the layer list, for scripts)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import processing
import pytest
import rasterio
from qgis.core import QgsProcessingException

from plugin_testing import DATA, ROOT, WATER, WATER_DATES

LE07 = DATA / "lethbridge_2000_384" / "LE07"
LT05 = DATA / "lethbridge_2000_384" / "LT05"
LE07_MTL = LE07 / "LE07_L1TP_041025_20000821_20170210_01_T1_MTL.txt"


@pytest.fixture(scope="module")
def engine_classes(tmp_path_factory):
    """What the engine's own command makes of the two products (the truth to match)."""
    out = tmp_path_factory.mktemp("engine") / "classes.tif"
    subprocess.run([sys.executable, "-m", "engine", "water", str(LE07_MTL), str(LT05),
                    str(out), "--fill-method", "none", "--device", "cpu", "--quiet"],
                   cwd=ROOT, check=True)
    with rasterio.open(out) as ds:
        return ds.read(1), ds.transform, ds.crs


@pytest.mark.parametrize("parameters", [
    {"PRODUCTS": [str(LE07_MTL), str(LT05)]},          # the file list: MTL, then a folder
    {"INPUTS": [str(LE07_MTL)], "PRODUCTS": [str(LT05)]},  # a script's path in the layer list
], ids=["products", "path-in-layer-list"])
def test_products_are_dates(plugin, tmp_path, engine_classes, parameters):
    out = tmp_path / "classes.tif"
    results = processing.run(WATER, dict(parameters, FILL_METHOD="none", DEVICE="cpu",
                                         OUTPUT=str(out)))
    expected, transform, crs = engine_classes
    with rasterio.open(out) as ds, rasterio.open(LE07 / (LE07_MTL.name[:-7] + "B3.TIF")) as b3:
        assert ds.crs == crs == b3.crs and ds.transform == transform == b3.transform
        np.testing.assert_array_equal(ds.read(1), expected)
    assert expected.min() >= 1  # clean products: every pixel observed, none "no data"
    assert results["AREA_NOT_WATER_KM2"] > 0


def test_layers_come_first_then_products(plugin, tmp_path):
    """The first date sets the grid: with a layer and a product, the layer is date 1 (here a
    3-band Menindee crop, so the 6-band product, date 2, is refused by the engine, in words)."""
    with pytest.raises(QgsProcessingException, match=r"date 2 \(LT05\) has 6 band"):
        processing.run(WATER, {"INPUTS": [str(WATER_DATES[0])], "PRODUCTS": [str(LT05)],
                               "FILL_METHOD": "none", "OUTPUT": str(tmp_path / "c.tif")})
    assert not (tmp_path / "c.tif").exists()


@pytest.mark.parametrize("parameters, words", [
    ({"PRODUCTS": [str(LE07_MTL)]}, "at least 2 dates .*got 1"),
    ({"PRODUCTS": [str(LE07_MTL), str(DATA / "menindee_20100116_256.tif")]},
     "not a Landsat product"),
], ids=["one-date", "not-a-product"])
def test_bad_products_are_refused_in_words(plugin, tmp_path, parameters, words):
    with pytest.raises(QgsProcessingException, match=words):
        processing.run(WATER, dict(parameters, FILL_METHOD="none",
                                   OUTPUT=str(tmp_path / "c.tif")))
    assert not (tmp_path / "c.tif").exists()
