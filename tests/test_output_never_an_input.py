"""An output must never replace a file the command reads, under whatever name it is reached:
the product's MTL, a band of the product it does not read, the source behind a VRT, a
reference date's or a mask's files; and reading must not write anything beside an input."""
import shutil

import pytest
import rasterio
from osgeo import gdal

from tests.helpers import one_error_line, run_cli, snapshot

PRODUCT = "lethbridge_le07_256"
SAMPLE = "menindee_20100116_256.tif"


@pytest.fixture
def product(tmp_path, data_dir):
    folder = tmp_path / "product"
    shutil.copytree(data_dir / PRODUCT, folder)
    return folder


def mtl_of(folder):
    return next(folder.glob("*_MTL.txt"))


def vrt_over(src, vrt):
    gdal.BuildVRT(str(vrt), [str(src)]).FlushCache()
    return vrt


def assert_refused_unchanged(result, folder, before):
    assert "is the input" in one_error_line(result)
    assert snapshot(folder) == before


def test_fill_onto_the_products_own_mtl(product):
    before = snapshot(product)
    result = run_cli("fill", product, mtl_of(product), "--method", "idw", "--quiet")
    assert_refused_unchanged(result, product, before)


def test_fill_onto_a_band_of_the_product_it_does_not_read(product):
    # The panchromatic band is listed by the MTL but never read by a fill.
    b8 = product / mtl_of(product).name.replace("_MTL.txt", "_B8.TIF")
    shutil.copy(next(product.glob("*_B1.TIF")), b8)
    before = snapshot(product)
    result = run_cli("fill", product, b8, "--method", "idw", "--quiet")
    assert_refused_unchanged(result, product, before)


def test_fill_onto_the_source_of_a_vrt_input(tmp_path, data_dir):
    src = shutil.copy(data_dir / SAMPLE, tmp_path / "scene.tif")
    vrt = vrt_over(src, tmp_path / "scene.vrt")
    before = snapshot(tmp_path)
    result = run_cli("fill", vrt, src, "--method", "idw", "--quiet")
    assert_refused_unchanged(result, tmp_path, before)


def test_simulate_onto_the_source_of_a_vrt_input(tmp_path, data_dir):
    src = shutil.copy(data_dir / SAMPLE, tmp_path / "scene.tif")
    vrt = vrt_over(src, tmp_path / "scene.vrt")
    before = snapshot(tmp_path)
    assert_refused_unchanged(run_cli("simulate", vrt, src, "--quiet"), tmp_path, before)


def test_preview_onto_the_products_mtl(product, tmp_path):
    before = snapshot(product)
    result = run_cli("fill", product, tmp_path / "out.tif", "--method", "idw",
                     "--preview", mtl_of(product), "--quiet")
    assert_refused_unchanged(result, product, before)
    assert not (tmp_path / "out.tif").exists()


def test_evaluate_png_onto_the_products_mtl(product):
    before = snapshot(product)
    result = run_cli("evaluate", product, "--methods", "idw", "--png", mtl_of(product))
    assert_refused_unchanged(result, product, before)


def test_fill_onto_a_reference_products_mtl(tmp_path, data_dir):
    ref = tmp_path / "LT05"
    shutil.copytree(data_dir / "lethbridge_2000_384" / "LT05", ref)
    before = snapshot(ref)
    result = run_cli("fill", data_dir / "lethbridge_2000_384" / "LE07", mtl_of(ref),
                     "--reference", ref, "--quiet")
    assert_refused_unchanged(result, ref, before)


def test_fill_onto_the_source_of_a_vrt_mask(tmp_path, data_dir):
    src = data_dir / SAMPLE
    with rasterio.open(src) as ds:
        gaps = (ds.read(1) == ds.nodata).astype("uint8")
        profile = dict(driver="GTiff", width=ds.width, height=ds.height, count=1,
                       dtype="uint8", crs=ds.crs, transform=ds.transform)
    with rasterio.open(tmp_path / "mask.tif", "w", **profile) as out:
        out.write(gaps[None])
    vrt = vrt_over(tmp_path / "mask.tif", tmp_path / "mask.vrt")
    before = snapshot(tmp_path)
    result = run_cli("fill", src, tmp_path / "mask.tif", "--mask", vrt, "--method", "idw",
                     "--quiet")
    assert_refused_unchanged(result, tmp_path, before)


def test_water_onto_a_dates_mtl(product, tmp_path):
    other = tmp_path / "again"
    shutil.copytree(product, other)
    before = snapshot(product)
    result = run_cli("water", product, other, mtl_of(product), "--fill-method", "none",
                     "--quiet")
    assert_refused_unchanged(result, product, before)


def test_reading_a_tarball_writes_nothing_beside_it(tmp_path, data_dir):
    name = "LC08_L2SP_204023_20200927_20201006_02_T1-cropped.tar.gz"
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    tarball = shutil.copy(data_dir / name, tmp_path / "in" / name)
    before = snapshot(tmp_path / "in")
    result = run_cli("fill", tarball, tmp_path / "out" / "out.tif", "--method", "idw", "--quiet")
    assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path / "in") == before   # no <tarball>.properties, no .aux.xml
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["out.tif"]
