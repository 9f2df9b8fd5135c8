"""A write that fails is never reported as success, and one job leaves all its outputs or none:
a full file system (a real 1 MiB tmpfs where mounting is allowed), the file-size limit of the
process (the same write error without mounting) and an output folder removed mid-run."""
import os
import resource
import shutil
import signal
import subprocess
import sys

import pytest
import rasterio

from tests.helpers import ROOT, one_error_line, run_cli

WATER = "menindee_water"
SAMPLE = "menindee_20100116_256.tif"


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip("cannot mount a 1 MiB tmpfs here (" + (result.stderr.strip() or "mount "
                    "failed") + "); test_water_over_the_file_size_limit covers the failure")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill_up(mount, leave_bytes):
    """Take all but `leave_bytes` of the file system with a filler file."""
    st = os.statvfs(mount)
    with open(mount / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, st.f_bavail * st.f_frsize - leave_bytes))


def water(out, *extra, **kwargs):
    dates = [os.path.join(ROOT, "tests", "data", WATER, f"menindee_2010{d}.tif")
             for d in ("0116", "0201")]
    return subprocess.run([sys.executable, "-m", "engine", "water", *map(str, dates), str(out),
                           "--quiet", *extra], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, **kwargs)


def test_water_onto_a_full_disk_fails_and_leaves_nothing(small_disk):
    fill_up(small_disk, 4096)   # one page: the class raster (about 6 KiB) cannot fit
    result = water(small_disk / "out.tif", "--fill-method", "idw")
    assert "cannot write" in one_error_line(result)
    assert os.listdir(small_disk) == ["filler"]


def _file_size_limit(limit):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_water_over_the_file_size_limit(tmp_path):
    """The same failed write without mounting: the kernel refuses to grow any file past 4 KiB."""
    result = water(tmp_path / "out.tif", "--fill-method", "none",
                   preexec_fn=_file_size_limit(4096))
    assert "cannot write" in one_error_line(result)
    assert "too large" in result.stderr
    assert os.listdir(tmp_path) == []


def _outputs(folder):
    return sorted(p for p in os.listdir(folder) if p != "filler")


@pytest.mark.parametrize("free_kib", [40, 200, 300, 400, 900])
def test_fill_with_preview_on_a_small_disk_is_all_or_nothing(small_disk, data_dir, free_kib):
    fill_up(small_disk, free_kib * 1024)
    out = small_disk / "out.tif"
    result = run_cli("fill", data_dir / SAMPLE, out, "--method", "idw", "--filled-mask",
                     "--preview", small_disk / "out.png", "--quiet")
    if result.returncode == 0:
        assert _outputs(small_disk) == ["out.png", "out.tif", "out_filled_mask.tif"]
        with rasterio.open(out) as ds:
            assert (ds.read() != -999).sum() > 0 and ds.crs is not None
    else:
        assert "cannot write" in one_error_line(result)
        assert _outputs(small_disk) == []


def test_preview_onto_a_full_disk_leaves_no_fill(tmp_path, small_disk, data_dir):
    fill_up(small_disk, 8192)
    result = run_cli("fill", data_dir / SAMPLE, tmp_path / "out.tif", "--method", "idw",
                     "--filled-mask", "--preview", small_disk / "out.png", "--quiet")
    assert "cannot write" in one_error_line(result)
    assert [p for p in os.listdir(tmp_path) if p != "disk"] == []
    assert os.listdir(small_disk) == ["filler"]


def test_preview_folder_removed_mid_run_leaves_no_fill(tmp_path, data_dir):
    """The preview's folder passes the checks, then disappears before the PNG is written."""
    (tmp_path / "fills").mkdir()
    (tmp_path / "previews").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "fill", data_dir / SAMPLE, tmp_path / "fills" / "out.tif",
         "--method", "navier-stokes", "--tile", "64", "--filled-mask", "--progress", "json",
         "--preview", tmp_path / "previews" / "out.png"],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if '"done": 2' in line:
            shutil.rmtree(tmp_path / "previews")
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 2, rest
    assert "cannot write" in rest and "out.png" in rest and "Traceback" not in rest
    assert os.listdir(tmp_path / "fills") == []


def test_water_with_a_full_temporary_folder_fails_and_leaves_nothing(small_disk, tmp_path):
    """The water job's scratch copies of each date live in TMPDIR: a full one is one line and
    exit 2 (it was "internal error"), no output, and the scratch folder is removed again."""
    fill_up(small_disk, 4096)
    out = tmp_path / "classes.tif"
    env = dict(os.environ, TMPDIR=str(small_disk))
    result = water(out, "--fill-method", "idw", env=env)
    assert "No space left" in one_error_line(result)
    assert not out.exists()
    assert os.listdir(small_disk) == ["filler"]
