"""Bad input gets one clear line on stderr and exit code 2: never a traceback, never an output
file (partial or not), never a modified input."""
import hashlib
import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import rasterio
from rasterio.transform import from_origin

from tests.helpers import ROOT, run_cli

SAMPLE = "menindee_20100116_256.tif"


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def write_tif(path, data, nodata=None, dtype=None):
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[None]
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1],
                       count=data.shape[0], dtype=dtype or data.dtype, nodata=nodata,
                       crs="EPSG:32612", transform=from_origin(300000, 5500000, 30, 30)) as ds:
        ds.write(data)
    return path


def assert_refused(result, out_dir, *words):
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    leftovers = [p for p in os.listdir(out_dir) if p.startswith(("out", ".out"))]
    assert leftovers == [], leftovers


def fill(src, out, *extra):
    return run_cli("fill", src, out, "--quiet", *extra)


def test_missing_file(tmp_path):
    assert_refused(fill(tmp_path / "nope.tif", tmp_path / "out.tif"), tmp_path, "not found")


def test_not_a_raster(tmp_path):
    src = tmp_path / "notes.txt"
    src.write_text("hello, not an image\n")
    assert_refused(fill(src, tmp_path / "out.tif"), tmp_path, "cannot read")


def test_directory_without_a_product(tmp_path):
    (tmp_path / "empty_dir").mkdir()
    assert_refused(fill(tmp_path / "empty_dir", tmp_path / "out.tif"), tmp_path, "MTL")


def test_empty_tiff(tmp_path):
    (tmp_path / "empty.tif").write_bytes(b"")
    assert_refused(fill(tmp_path / "empty.tif", tmp_path / "out.tif"), tmp_path, "cannot read")


def test_corrupt_tiff(tmp_path, data_dir):
    blob = (data_dir / SAMPLE).read_bytes()
    (tmp_path / "broken.tif").write_bytes(blob[: len(blob) // 3])
    result = fill(tmp_path / "broken.tif", tmp_path / "out.tif")
    assert_refused(result, tmp_path)


def test_all_nodata_raster(tmp_path):
    src = write_tif(tmp_path / "blank.tif", np.full((2, 64, 64), -999, np.int16), nodata=-999)
    assert_refused(fill(src, tmp_path / "out.tif"), tmp_path, "no valid pixels")


def test_unsupported_dtype(tmp_path):
    src = write_tif(tmp_path / "complex.tif", np.ones((64, 64), np.complex64))
    assert_refused(fill(src, tmp_path / "out.tif"), tmp_path, "unsupported pixel type")


def test_output_equal_to_input(tmp_path, data_dir):
    src = shutil.copy(data_dir / SAMPLE, tmp_path / "scene.tif")
    before = digest(src)
    result = fill(src, src)
    assert result.returncode == 2 and "is the input" in result.stderr
    assert digest(src) == before


def test_output_onto_a_band_of_the_input_product(tmp_path, data_dir):
    folder = tmp_path / "product"
    shutil.copytree(data_dir / "lethbridge_le07_256", folder)
    band = next(folder.glob("*_B1.TIF"))
    before = digest(band)
    result = fill(folder, band)
    assert result.returncode == 2 and "is the input" in result.stderr
    assert digest(band) == before and len(list(folder.iterdir())) == 8


def test_unwritable_output_folder(tmp_path, data_dir):
    missing = tmp_path / "no_such_folder" / "out.tif"
    assert_refused(fill(data_dir / SAMPLE, missing), tmp_path, "does not exist")
    # sysfs refuses new files even to root: a folder nobody can write into.
    result = fill(data_dir / SAMPLE, "/sys/out.tif")
    assert result.returncode == 2 and result.stderr.startswith("error: ")
    assert not os.path.exists("/sys/out.tif")


def test_mismatched_band_sizes_in_product_folder(tmp_path, data_dir):
    folder = tmp_path / "product"
    shutil.copytree(data_dir / "lethbridge_le07_256", folder)
    b5 = next(folder.glob("*_B5.TIF"))
    with rasterio.open(b5) as ds:
        data, profile = ds.read()[:, :100, :], ds.profile
    profile.update(height=100)
    os.remove(b5)  # creating over it would make GDAL delete the product's MTL as a sidecar
    with rasterio.open(b5, "w", **profile) as ds:
        ds.write(data)
    assert_refused(fill(folder, tmp_path / "out.tif"), tmp_path, "differ in size")


def test_mask_of_another_size(tmp_path, data_dir):
    mask = write_tif(tmp_path / "mask.tif", np.ones((100, 80), np.uint8))
    result = fill(data_dir / SAMPLE, tmp_path / "out.tif", "--mask", mask)
    assert_refused(result, tmp_path, "mask is 80 x 100 px")


def test_unknown_method_lists_the_valid_ones(tmp_path, data_dir):
    result = fill(data_dir / SAMPLE, tmp_path / "out.tif", "--method", "magic")
    assert_refused(result, tmp_path, "unknown method", "idw", "telea")


def test_raster_without_gaps_is_copied_and_said_so(tmp_path, data_dir):
    src = write_tif(tmp_path / "clean.tif", np.arange(1, 64 * 64 + 1).reshape(64, 64) % 250 + 1,
                    dtype="uint8")
    result = fill(src, tmp_path / "copy.tif")
    assert result.returncode == 0 and "no gaps found" in result.stderr
    with rasterio.open(src) as a, rasterio.open(tmp_path / "copy.tif") as b:
        np.testing.assert_array_equal(a.read(), b.read())


def test_interrupted_run_leaves_no_output(tmp_path, data_dir):
    """SIGTERM (what the QGIS plugin sends on cancel) in the middle of a many-tile run."""
    src = shutil.copy(data_dir / SAMPLE, tmp_path / "scene.tif")
    before = digest(src)
    out = tmp_path / "out.tif"
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "fill", src, out, "--method", "navier-stokes",
         "--tile", "64", "--progress", "json", "--filled-mask"],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if '"done": 2' in line:  # two tiles written: the output is half-made
            proc.send_signal(signal.SIGTERM)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 130, rest
    assert "no output was written" in rest
    assert os.listdir(tmp_path) == ["scene.tif"]
    assert digest(src) == before
