"""No partial file survives a run: a signal during GDAL's COG conversion stops it and cleans up
at once, a job's outputs appear together or not at all whenever the signal lands, and what a
killed run (SIGKILL) left is removed by the next write into that folder, with one line."""
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import rasterio

from tests.conftest import DATA
from tests.helpers import ROOT

SAMPLE = "menindee_20100116_256.tif"


def engine(*args):
    return subprocess.Popen([sys.executable, "-m", "engine", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(proc, folder, predicate, timeout=120):
    """Poll `folder` until a file name satisfies `predicate`; False if the run ended first."""
    end = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < end:
        if any(predicate(name) for name in os.listdir(folder)):
            return True
        time.sleep(0.002)
    return False


@pytest.fixture(scope="module")
def big_scene(tmp_path_factory):
    """The real Menindee crop repeated 12 x 12 (3072 x 3072 px): its COG conversion takes a
    few seconds, long enough to be interrupted in the middle."""
    with rasterio.open(DATA / SAMPLE) as ds:
        data, profile = ds.read(), ds.profile
    data = np.tile(data, (1, 12, 12))
    profile.update(width=data.shape[2], height=data.shape[1], tiled=True, blockxsize=512,
                   blockysize=512, compress=None)
    path = tmp_path_factory.mktemp("big") / "big.tif"
    with rasterio.open(path, "w", **profile) as out:
        out.write(data)
    return path


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_during_cog_conversion_stops_it_and_cleans_up(tmp_path, big_scene, signum):
    out = tmp_path / "out.tif"
    proc = engine("simulate", big_scene, out, "--quiet")
    assert wait_for(proc, tmp_path, lambda n: ".partial-" in n and ".cog." in n), \
        proc.communicate()
    proc.send_signal(signum)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=120)
    waited = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert "no output was written" in err and "Traceback" not in err
    assert os.listdir(tmp_path) == []
    # GDAL was told to stop instead of finishing the conversion first (seconds here).
    assert waited < 1.0, f"took {waited:.2f} s to stop"


def test_signal_right_after_the_main_output_appears(tmp_path, data_dir):
    """Whenever the signal lands, the exit code says which: 130 and nothing, or 0 and all."""
    src = shutil.copy(data_dir / SAMPLE, tmp_path / "scene.tif")
    out = tmp_path / "out.tif"
    proc = engine("fill", src, out, "--method", "idw", "--filled-mask", "--preview",
                  tmp_path / "out.png", "--quiet")
    assert wait_for(proc, tmp_path, lambda n: n in ("out.tif", "out_filled_mask.tif",
                                                    "out.png")), proc.communicate()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    left = sorted(os.listdir(tmp_path))
    if proc.returncode == 130:
        assert "no output was written" in err
        assert left == ["scene.tif"]
    else:
        assert proc.returncode == 0, err
        assert left == ["out.png", "out.tif", "out_filled_mask.tif", "scene.tif"]


def test_partials_of_a_killed_run_are_removed_by_the_next_one(tmp_path, data_dir):
    src = shutil.copy(data_dir / SAMPLE, tmp_path / "scene.tif")
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", "fill", src, tmp_path / "out.tif", "--method",
         "navier-stokes", "--tile", "64", "--progress", "json", "--filled-mask"],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if '"done": 2' in line:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    killed = sorted(n for n in os.listdir(tmp_path) if f".partial-{proc.pid}." in n)
    assert killed, "SIGKILL left nothing to clean: the test shows nothing"
    # A partial file of a process that is still running (this one) must be kept.
    live = tmp_path / f".other.tif.partial-{os.getpid()}.stage.tif"
    live.write_bytes(b"still being written")

    again = subprocess.run([sys.executable, "-m", "engine", "fill", src, tmp_path / "out.tif",
                            "--method", "idw", "--quiet"], cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    notes = [line for line in again.stderr.splitlines() if "partial" in line]
    assert len(notes) == 1 and "removed" in notes[0], again.stderr
    assert all(name in notes[0] for name in killed), notes[0]
    assert sorted(os.listdir(tmp_path)) == sorted(["scene.tif", "out.tif", live.name])
