"""A Landsat product (its MTL file, folder or tarball) as the input of the Fill algorithm, as the
CLI takes it: QGIS cannot open one as a layer, which used to end in a "not found" error for a
file that exists."""
from __future__ import annotations

import numpy as np
import processing
import pytest
import rasterio
from qgis.core import QgsProcessingException
from rasterio.windows import Window

from plugin_testing import DATA, FILL, LETHBRIDGE_MTL

from engine.io import open_scene


def _product_pixels(path):
    with open_scene(str(path)) as scene:
        p = scene.profile
        return scene.read(Window(0, 0, p.width, p.height)), p


@pytest.mark.parametrize("parameters", [
    {"INPUT": str(LETHBRIDGE_MTL)},                       # a script passing the MTL as INPUT
    {"PRODUCT": str(LETHBRIDGE_MTL.parent)},              # the product folder, typed in
], ids=["mtl-as-input", "folder-as-product"])
def test_fill_reads_a_landsat_product(plugin, tmp_path, parameters):
    out = tmp_path / "filled.tif"
    results = processing.run(FILL, dict(parameters, METHOD="idw", OUTPUT=str(out)))
    values, profile = _product_pixels(LETHBRIDGE_MTL)
    with rasterio.open(out) as ds:
        filled = ds.read()
        assert ds.crs == profile.crs and ds.transform == profile.transform
    # a clean product (2000, before the SLC failure): nothing to fill, a bit-exact copy
    assert results["GAP_PERCENT"] == 0
    np.testing.assert_array_equal(filled, values)


def test_product_tarball_is_read(plugin, tmp_path):
    """The same product packed as a .tar.gz, as USGS delivers it."""
    import tarfile

    packed = tmp_path / "product.tar.gz"
    with tarfile.open(packed, "w:gz") as tar:
        for path in LETHBRIDGE_MTL.parent.iterdir():
            tar.add(path, arcname=path.name)
    out = tmp_path / "from_tar.tif"
    processing.run(FILL, {"PRODUCT": str(packed), "METHOD": "idw", "OUTPUT": str(out)})
    values, profile = _product_pixels(LETHBRIDGE_MTL)
    with rasterio.open(out) as ds:
        assert ds.crs == profile.crs and ds.transform == profile.transform
        np.testing.assert_array_equal(ds.read(), values)


def test_a_layer_and_a_product_together_are_refused(plugin, tmp_path):
    with pytest.raises(QgsProcessingException, match="not both"):
        processing.run(FILL, {"INPUT": str(DATA / "menindee_20100116_256.tif"),
                              "PRODUCT": str(LETHBRIDGE_MTL), "METHOD": "idw",
                              "OUTPUT": str(tmp_path / "o.tif")})
    assert not (tmp_path / "o.tif").exists()
