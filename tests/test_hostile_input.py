"""Input made to break the engine (crafted, truncated, malformed, exotic files and arguments)
gets the same treatment as honest mistakes: one line `error: ...`, exit code 2, no traceback,
no output file, the input unchanged, and no hang."""
import io
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import time

import pytest
import rasterio
from rasterio.transform import Affine, from_origin
from rasterio.windows import Window

from tests.helpers import ROOT, run_cli
from tests.test_bad_input import SAMPLE, assert_refused, digest, fill


def one_error_line(result, *words):
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "usage:" not in result.stderr and "Traceback" not in result.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


@pytest.mark.parametrize("args, option", [
    (("fill", "in.tif", "out.tif", "--tile", "abc"), "--tile"),
    (("fill", "in.tif", "out.tif", "--device", "tpu"), "--device"),
    (("evaluate", "in.tif", "--seed", "1.5"), "--seed"),
    (("evaluate", "in.tif", "--seed", "-1"), "--seed"),
    (("simulate", "in.tif", "out.tif", "--seed", "-1"), "--seed"),
])
def test_argument_errors_are_one_line_naming_the_option(tmp_path, args, option):
    result = subprocess.run([sys.executable, "-m", "engine", *args], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "PYTHONPATH": ROOT})
    one_error_line(result, option)
    assert os.listdir(tmp_path) == []


def test_help_still_prints_the_usage():
    result = run_cli("fill", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage:")
    assert "--tile" in result.stdout and "--device" in result.stdout


def test_hangup_leaves_no_output(tmp_path, data_dir):
    """SIGHUP (terminal or ssh session closed) must clean up like SIGTERM, not kill the process
    with half-written files next to the output."""
    src = shutil.copy(data_dir / SAMPLE, tmp_path / "scene.tif")
    before = digest(src)
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "fill", src, tmp_path / "out.tif", "--method",
         "navier-stokes", "--tile", "64", "--progress", "json", "--filled-mask"],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if '"done": 2' in line:  # two tiles written: the output is half-made
            proc.send_signal(signal.SIGHUP)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 130, rest
    assert "no output was written" in rest
    assert os.listdir(tmp_path) == ["scene.tif"]
    assert digest(src) == before


TARBALL = "LC08_L2SP_204023_20200927_20201006_02_T1-cropped.tar.gz"


def product_folder(tmp_path, data_dir, edit=None):
    """The real Landsat 8 product of tests/data unpacked; `edit` rewrites its MTL text."""
    folder = tmp_path / "product"
    folder.mkdir()
    with tarfile.open(data_dir / TARBALL) as tar:
        tar.extractall(folder)  # the repository's own test product
    if edit is not None:
        mtl = next(folder.glob("*_MTL.txt"))
        mtl.write_text(edit(mtl.read_text()))
    return folder


def retar(folder, path, extra=()):
    """Pack `folder` as a product tarball, then append `extra` (TarInfo, bytes) members."""
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        for f in sorted(folder.iterdir()):
            tar.add(f, arcname=f.name)
        for info, blob in extra:
            tar.addfile(info, io.BytesIO(blob) if blob is not None else None)
    shutil.rmtree(folder)
    return path


def replace_value(key, value):
    return lambda text: re.sub(rf"(?m)^(\s*{key}) = .*$", rf"\1 = {value}", text, count=1)


@pytest.mark.parametrize("key, value, words", [
    ("UTM_ZONE", "99", ("UTM_ZONE 99",)),
    ("GRID_CELL_SIZE_REFLECTIVE", "0", ("GRID_CELL_SIZE_REFLECTIVE",)),
    ("GRID_CELL_SIZE_REFLECTIVE", "NaN", ("GRID_CELL_SIZE_REFLECTIVE",)),
    ("CORNER_UL_PROJECTION_X_PRODUCT", "inf", ("corner",)),
])
def test_malformed_mtl_values(tmp_path, data_dir, key, value, words):
    """The product's TIFFs carry no georeferencing, so the grid comes from these MTL values."""
    folder = product_folder(tmp_path, data_dir, replace_value(key, value))
    assert_refused(fill(folder, tmp_path / "out.tif"), tmp_path, *words)


def test_truncated_product_tarball(tmp_path, data_dir):
    blob = (data_dir / TARBALL).read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(blob[: len(blob) // 2])
    assert_refused(fill(cut, tmp_path / "out.tif"), tmp_path, "truncated or corrupt")


def test_tarball_with_thousands_of_members(tmp_path, data_dir):
    folder = product_folder(tmp_path, data_dir)
    extra = [(tarfile.TarInfo(f"junk/{i}.txt"), b"") for i in range(3000)]
    bomb = retar(folder, tmp_path / "many.tar.gz", extra)
    assert_refused(fill(bomb, tmp_path / "out.tif"), tmp_path, "more than 100 files")


def test_tarball_member_declaring_gigabytes(tmp_path, data_dir):
    """The header says 3 GB; the check must come from the header, before any data is read."""
    folder = product_folder(tmp_path, data_dir)
    path = tmp_path / "big.tar"
    with tarfile.open(path, "w") as tar:
        for f in sorted(folder.iterdir()):
            tar.add(f, arcname=f.name)
        end = tar.offset  # where the end-of-archive blocks start
    header = tarfile.TarInfo("LC08_SR_B9.TIF")
    header.size = 3 << 30
    with open(path, "r+b") as fh:  # the header and a little of its data, then the file ends
        fh.truncate(end)
        fh.seek(end)
        fh.write(header.tobuf(tarfile.GNU_FORMAT) + b"\0" * 4096)
    assert_refused(fill(path, tmp_path / "out.tif"), tmp_path, "larger than any Landsat band")


def test_tarball_with_a_huge_long_name_header(tmp_path, data_dir):
    """tarfile reads a GNU long-name record whole: 64 MB of zeros (64 kB gzipped) would all go
    to memory, and a few MB of gzip can expand to gigabytes."""
    folder = product_folder(tmp_path, data_dir)
    longname = tarfile.TarInfo("././@LongLink")
    longname.type = tarfile.GNUTYPE_LONGNAME
    blob = b"LC08_ANG.txt" + b"\0" * (64 << 20)
    longname.size = len(blob)
    follower = tarfile.TarInfo("x")
    bomb = retar(folder, tmp_path / "bomb.tar.gz", [(longname, blob), (follower, b"")])
    assert (tmp_path / "bomb.tar.gz").stat().st_size < 1 << 20
    assert_refused(fill(bomb, tmp_path / "out.tif"), tmp_path, "member header")


def test_tarball_with_a_huge_mtl(tmp_path, data_dir):
    pad = "\n".join(["    COMMENT = \"padding\""] * 100_000)
    folder = product_folder(tmp_path, data_dir, lambda text: text + pad)
    bomb = retar(folder, tmp_path / "mtl.tar.gz")
    assert_refused(fill(bomb, tmp_path / "out.tif"), tmp_path, "not a Landsat MTL")


def test_mtl_with_a_very_long_line_is_refused_quickly(tmp_path, data_dir):
    """A 40 kB line used to take half a minute (a backtracking pattern: quadratic time)."""
    line = "    DATA_TYPE = \"L2SP" + " " * 40_000 + "x\""
    folder = product_folder(tmp_path, data_dir, lambda text: text.replace(
        "    SPACECRAFT_ID", line + "\n    SPACECRAFT_ID", 1))
    start = time.perf_counter()
    result = fill(folder, tmp_path / "out.tif")
    assert time.perf_counter() - start < 20
    assert_refused(result, tmp_path, "MTL line", "40023 characters")


def test_mtl_parser_is_linear_in_line_length():
    """Lines below the limit still parse, and in linear time."""
    from engine.io.landsat import MAX_MTL_LINE, parse_mtl

    line = "KEY = a" + " " * (MAX_MTL_LINE - 10) + "b"
    text = "SPACECRAFT_ID = \"LANDSAT_7\"\n" + "\n".join([line] * 200)
    start = time.perf_counter()
    meta = parse_mtl(text)
    assert time.perf_counter() - start < 0.5
    assert meta["KEY"].startswith("a ") and meta["KEY"].endswith(" b")


def test_rotated_geotransform(tmp_path, data_dir):
    """The real sample re-written on a grid turned by 90 degrees (rotation terms only)."""
    with rasterio.open(data_dir / SAMPLE) as ds:
        data, profile, t = ds.read(), ds.profile, ds.transform
    profile.update(transform=Affine(0, t.a, t.c, t.a, 0, t.f))
    with rasterio.open(tmp_path / "rotated.tif", "w", **profile) as ds:
        ds.write(data)
    assert_refused(fill(tmp_path / "rotated.tif", tmp_path / "out.tif"), tmp_path,
                   "rotated", "north-up")


def test_sparse_geotiff_claiming_ten_gigapixels(tmp_path, data_dir):
    """100000 x 100000 px in under 1 MB: only one real block of the sample is stored."""
    with rasterio.open(data_dir / SAMPLE) as ds:
        block = ds.read(1, window=Window(0, 0, 256, 256))
    with rasterio.open(tmp_path / "sparse.tif", "w", driver="GTiff", width=100_000,
                       height=100_000, count=1, dtype="int16", nodata=-999, crs="EPSG:3577",
                       transform=from_origin(972500, -3553750, 25, 25), tiled=True,
                       blockxsize=256, blockysize=256, compress="deflate", sparse_ok=True,
                       BIGTIFF="YES") as ds:
        ds.write(block, 1, window=Window(0, 0, 256, 256))
    assert (tmp_path / "sparse.tif").stat().st_size < 2 << 20
    start = time.perf_counter()
    result = run_cli("info", tmp_path / "sparse.tif", "--quiet", timeout=60)
    assert time.perf_counter() - start < 30
    assert_refused(result, tmp_path, "100000 x 100000 px", "1000:1")


def test_pipe_as_input_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "scene.tif"
    os.mkfifo(fifo)
    result = run_cli("fill", fifo, tmp_path / "out.tif", "--quiet", timeout=30)
    assert_refused(result, tmp_path, "not a regular file")


def test_pipe_as_a_band_of_a_product_folder(tmp_path, data_dir):
    folder = product_folder(tmp_path, data_dir)
    band = next(folder.glob("*_SR_B3.TIF"))
    band.unlink()
    os.mkfifo(band)
    result = run_cli("fill", folder, tmp_path / "out.tif", "--quiet", timeout=30)
    assert_refused(result, tmp_path, "not a regular file", "B3")


def test_mtl_that_is_a_pipe(tmp_path, data_dir):
    folder = product_folder(tmp_path, data_dir)
    mtl = next(folder.glob("*_MTL.txt"))
    mtl.unlink()
    os.mkfifo(mtl)
    result = run_cli("info", folder, "--quiet", timeout=30)
    assert_refused(result, tmp_path, "not a regular file")


def _limit_file_size(limit):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_evaluate_png_write_failing_half_way(tmp_path, data_dir):
    """A full disk fails a write half-way; a file size limit does the same thing for real
    (EFBIG instead of ENOSPC) in a folder the test owns: one line, and no partial PNG."""
    png = tmp_path / "comparison.png"
    result = subprocess.run(
        [sys.executable, "-m", "engine", "evaluate", data_dir / SAMPLE, "--methods", "idw",
         "--png", png, "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        preexec_fn=_limit_file_size(32 << 10))
    one_error_line(result, "cannot write", str(png), "too large")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs a /dev/full device")
def test_evaluate_png_onto_a_device(tmp_path, data_dir):
    """/dev/full answers every write with 'no space left on device'; it must be refused up
    front (and never be replaced by a rename)."""
    result = run_cli("evaluate", data_dir / SAMPLE, "--methods", "idw", "--png", "/dev/full",
                     "--quiet")
    one_error_line(result, "/dev/full", "not a regular file")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert not [f for f in os.listdir("/dev") if f.startswith(".full")]


def test_fill_keeps_band_scale_offset_units_and_tags(tmp_path, data_dir):
    """The sample carries a licence SOURCE tag; give its bands scale, offset, units and tags
    too. The fill output's bands are the input's bands, so all of it must come through;
    stale statistics and the old file's TIFF tags must not."""
    src = tmp_path / "scene.tif"
    shutil.copy(data_dir / SAMPLE, src)
    with rasterio.open(src, "r+") as ds:
        ds.scales = (0.0001, 0.0001, 0.0002)
        ds.offsets = (0.0, -0.1, 0.05)
        ds.units = ("reflectance", "reflectance", "1")
        for b, wavelength in enumerate(("0.66", "0.83", "1.65"), 1):
            ds.update_tags(b, WAVELENGTH_UM=wavelength, STATISTICS_MEAN="123")
        ds.update_tags(TIFFTAG_SOFTWARE="some old program")
        source = ds.tags()["SOURCE"]
    out = tmp_path / "out.tif"
    result = run_cli("fill", src, out, "--method", "idw", "--filled-mask", "--quiet")
    assert result.returncode == 0, result.stderr
    with rasterio.open(out) as ds:
        assert ds.scales == (0.0001, 0.0001, 0.0002)
        assert ds.offsets == (0.0, -0.1, 0.05)
        assert ds.units == ("reflectance", "reflectance", "1")
        assert [ds.tags(b).get("WAVELENGTH_UM") for b in (1, 2, 3)] == ["0.66", "0.83", "1.65"]
        assert all("STATISTICS_MEAN" not in ds.tags(b) for b in (1, 2, 3))
        tags = ds.tags()
        assert tags["SOURCE"] == source and tags["SPACECRAFT_ID"] == "LANDSAT_7"
        assert tags.get("TIFFTAG_SOFTWARE") != "some old program"
        assert tags["FILL_METHOD"] == "idw"
    with rasterio.open(tmp_path / "out_filled_mask.tif") as ds:  # 0/1 flags: no scale
        assert ds.scales == (1.0,) and ds.offsets == (0.0,) and ds.tags()["SOURCE"] == source


def test_product_band_files_metadata_reaches_the_output(tmp_path, data_dir):
    folder = product_folder(tmp_path, data_dir)
    for band in sorted(folder.glob("*_SR_B[1-7].TIF")):
        with rasterio.open(band, "r+") as ds:
            ds.scales, ds.offsets = (2.75e-05,), (-0.2,)
            ds.update_tags(1, BAND_FILE=band.name)
    out = tmp_path / "out.tif"
    result = run_cli("fill", folder, out, "--method", "idw", "--quiet")
    assert result.returncode == 0, result.stderr
    with rasterio.open(out) as ds:
        assert ds.count == 7 and ds.scales == (2.75e-05,) * 7 and ds.offsets == (-0.2,) * 7
        assert [ds.tags(b)["BAND_FILE"][-6:] for b in range(1, 8)] == [
            f"B{n}.TIF" for n in range(1, 8)]
