"""Reading real inputs: a NetCDF-derived GeoTIFF crop, a Landsat Collection 1 product folder
(band files + BQA + MTL), its MTL file, and a georeference-less Collection 2 tarball."""
import os
import shutil

import numpy as np
import pytest
import rasterio
from rasterio.windows import Window

from engine.errors import InputError
from engine.io import open_scene

LETH = "lethbridge_le07_256"
TARBALL = "LC08_L2SP_204023_20200927_20201006_02_T1-cropped.tar.gz"


def full(scene):
    return Window(0, 0, scene.profile.width, scene.profile.height)


def test_geotiff_keeps_grid_dtype_and_nodata(data_dir):
    path = data_dir / "menindee_20100116_256.tif"
    with open_scene(path) as scene, rasterio.open(path) as ds:
        p = scene.profile
        assert (p.width, p.height, p.count, p.dtype, p.nodata) == (256, 256, 3, "int16", -999)
        assert p.crs == ds.crs and p.transform == ds.transform
        assert p.band_names == ("B3 red", "B4 nir", "B5 swir1")
        data = scene.read(full(scene))
        np.testing.assert_array_equal(data, ds.read())
        invalid = scene.invalid(full(scene), data)
        np.testing.assert_array_equal(invalid, ds.read() == -999)


def test_product_folder_stacks_reflective_bands_with_qa_fill(data_dir):
    folder = data_dir / LETH
    with open_scene(folder) as scene:
        p = scene.profile
        assert p.count == 6
        assert p.band_names == ("B1 blue", "B2 green", "B3 red", "B4 nir", "B5 swir1", "B7 swir2")
        assert p.crs.to_epsg() == 32612 and p.pixel_size_m == 30.0
        assert p.zero_fill == "per-band"
        data = scene.read(full(scene))
        with rasterio.open(next(folder.glob("*_B4.TIF"))) as b4:
            np.testing.assert_array_equal(data[3], b4.read(1))
            assert p.transform == b4.transform
        assert scene.invalid(full(scene), data)[:, :10].all()  # edge fill rows (0 in bands)


def test_qa_fill_bit_is_trusted_even_where_bands_hold_values(data_dir, tmp_path):
    folder = tmp_path / "product"
    shutil.copytree(data_dir / LETH, folder)
    bqa = next(folder.glob("*_BQA.TIF"))
    with rasterio.open(bqa, "r+") as ds:
        qa = ds.read(1)
        qa[100:110, 50:60] |= 1  # designated fill
        ds.write(qa, 1)
    with open_scene(folder) as scene:
        data = scene.read(full(scene))
        invalid = scene.invalid(full(scene), data)
    assert np.all(data[:, 100:110, 50:60] > 0)
    assert invalid[:, 100:110, 50:60].all()
    assert not invalid[:, 120:, :].any()


def test_mtl_file_opens_the_same_product(data_dir):
    folder = data_dir / LETH
    mtl = next(folder.glob("*_MTL.txt"))
    with open_scene(mtl) as a, open_scene(folder) as b:
        np.testing.assert_array_equal(a.read(full(a)), b.read(full(b)))


def test_tarball_without_georeferencing_gets_it_from_the_mtl(data_dir):
    with open_scene(data_dir / TARBALL) as scene:
        p = scene.profile
        assert p.crs.to_epsg() == 32630  # UTM zone 30 (Liverpool), from the MTL
        assert p.transform.a == 30.0 and p.transform.e == -30.0
        # MTL corners are pixel centres: the grid origin is half a pixel up-left of them.
        import tarfile

        with tarfile.open(data_dir / TARBALL) as tar:
            mtl = next(m for m in tar.getmembers() if m.name.endswith("_MTL.txt"))
            text = tar.extractfile(mtl).read().decode()
        ulx = float(text.split("CORNER_UL_PROJECTION_X_PRODUCT = ")[1].split()[0])
        uly = float(text.split("CORNER_UL_PROJECTION_Y_PRODUCT = ")[1].split()[0])
        assert (p.transform.c, p.transform.f) == (ulx - 15.0, uly + 15.0)
        assert p.band_names[0].startswith("B2 blue") or p.band_names[0].startswith("B1")
        assert scene.read(Window(0, 0, 10, 10)).dtype == np.uint16


def test_mismatched_band_sizes_are_refused(data_dir, tmp_path):
    folder = tmp_path / "product"
    shutil.copytree(data_dir / LETH, folder)
    b3 = next(folder.glob("*_B3.TIF"))
    with rasterio.open(b3) as ds:
        profile, data = ds.profile, ds.read()
    profile.update(width=200)
    os.remove(b3)
    with rasterio.open(b3, "w", **profile) as ds:
        ds.write(data[:, :, :200])
    with pytest.raises(InputError, match="differ in size"):
        open_scene(folder)


def test_outputs_of_one_job_appear_together_or_not_at_all(tmp_path):
    """A sidecar that cannot be put in place takes the main output down with it: a user never
    gets a fill whose mask is missing, and no partial file stays behind."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from engine.errors import OutputError
    from engine.io.scene import SceneProfile
    from engine.io.writer import GeoTiffSink, LayerSpec

    profile = SceneProfile(64, 64, 1, "uint8", None, rasterio.crs.CRS.from_epsg(32612),
                           from_origin(500000, 5000000, 30, 30))
    main, side = tmp_path / "out.tif", tmp_path / "out_filled_mask.tif"
    sink = GeoTiffSink(LayerSpec(str(main), profile, {}), {"filled": LayerSpec(str(side), profile,
                                                                               {})})
    data = np.arange(64 * 64, dtype=np.uint8).reshape(1, 64, 64)
    sink.write(Window(0, 0, 64, 64), data)
    sink.write(Window(0, 0, 64, 64), data, key="filled")
    side.mkdir()  # something else took the sidecar's name meanwhile: it cannot be replaced
    with pytest.raises((OutputError, OSError)):
        sink.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out_filled_mask.tif"]
    assert not main.exists()
