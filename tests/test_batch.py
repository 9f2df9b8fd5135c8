"""`engine batch` on a real local Dask cluster over small real scenes: outputs identical to
`engine fill`, a corrupt scene recorded while the rest goes on, --resume doing no work twice,
a batch SIGKILLed midway resuming to completion, a worker killed during its task retried."""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import rasterio
from rasterio.windows import Window

from engine.jobs.batch_inputs import describe_scenes, expand_inputs, sort_scenes
from engine.jobs.batch_manifest import MANIFEST_NAME, file_record
from engine.jobs.batch_plan import plan_tasks
from tests.helpers import ROOT, run_cli

MENINDEE = "menindee_20100116_256.tif"
PRODUCT = "lethbridge_le07_256"


def crop(src, dst, col, row, size):
    """A different window of a real scene is a different scene (its own gaps and footprint)."""
    with rasterio.open(src) as ds:
        window = Window(col, row, size, size)
        profile = ds.profile | {"width": size, "height": size,
                                "transform": ds.window_transform(window)}
        with rasterio.open(dst, "w", **profile) as out:
            out.write(ds.read(window=window))
            out.update_tags(**ds.tags())
    return dst


def manifest(outdir):
    with open(os.path.join(outdir, MANIFEST_NAME)) as fh:
        return [json.loads(line) for line in fh]


def partial_files(outdir):
    return [n for n in os.listdir(outdir) if ".partial-" in n]


def batch(*args, timeout=240):
    return run_cli("batch", *args, "--progress", "none", timeout=timeout)


def assert_same_raster(path, reference):
    with rasterio.open(path) as a, rasterio.open(reference) as b:
        assert (a.crs, a.transform, a.count, a.dtypes) == (b.crs, b.transform, b.count, b.dtypes)
        np.testing.assert_array_equal(a.read(), b.read())


@pytest.fixture(scope="module")
def five_scenes(tmp_path_factory):
    """4 real scenes (two crops of one date, the edge crop, a product folder) and 1 corrupt."""
    folder = tmp_path_factory.mktemp("scenes")
    data = os.path.join(ROOT, "tests", "data")
    crop(os.path.join(data, MENINDEE), folder / "menindee_20100116_nw.tif", 0, 0, 160)
    crop(os.path.join(data, MENINDEE), folder / "menindee_20100116_se.tif", 96, 96, 160)
    shutil.copy(os.path.join(data, "menindee_edge_256.tif"), folder / "menindee_edge_256.tif")
    with open(os.path.join(data, MENINDEE), "rb") as fh:   # a download cut short
        (folder / "menindee_20100201_cut.tif").write_bytes(fh.read()[:3000])
    return folder, os.path.join(data, PRODUCT)


@pytest.fixture(scope="module")
def first_batch(five_scenes, tmp_path_factory):
    folder, product = five_scenes
    outdir = tmp_path_factory.mktemp("out")
    result = batch(folder, product, outdir, "--method", "idw", "--workers", "2")
    return folder, product, outdir, result


def test_batch_matches_engine_fill_and_records_the_corrupt_scene(first_batch, tmp_path):
    folder, product, outdir, result = first_batch
    assert result.returncode == 1, result.stderr
    records = manifest(outdir)
    assert len(records) == 5
    failed = [r for r in records if r["status"] == "failed"]
    assert [os.path.basename(r["inputs"][0]) for r in failed] == ["menindee_20100201_cut.tif"]
    assert "menindee_20100201_cut.tif" in failed[0]["error"]
    assert not os.path.exists(os.path.join(outdir, "menindee_20100201_cut_filled.tif"))
    done = [r for r in records if r["status"] == "done"]
    assert len(done) == 4
    for record in done:
        out = os.path.join(outdir, record["outputs"][0]["name"])
        assert file_record(out) == record["outputs"][0]
        assert record["method"] == "idw" and record["attempts"] == 1
        assert 0 < record["cpu_seconds"] and 0 < record["seconds"]
        assert record["peak_memory_mb"] > 50            # a worker with GDAL loaded
        reference = tmp_path / f"ref_{len(os.listdir(tmp_path))}.tif"
        ran = run_cli("fill", record["inputs"][0], reference, "--method", "idw", "--quiet")
        assert ran.returncode == 0, ran.stderr
        assert_same_raster(out, reference)
    lethbridge = next(r for r in records if r["inputs"][0] == os.path.abspath(product))
    assert (lethbridge["group"], lethbridge["dates"]) == ("041025", ["2000-08-21"])
    assert partial_files(outdir) == []
    assert "failed fill:menindee_20100201_cut_filled.tif" in result.stdout


def test_resume_does_no_work_twice_and_redoes_a_changed_output(first_batch):
    folder, product, outdir, _ = first_batch
    outputs = sorted(n for n in os.listdir(outdir) if n.endswith("_filled.tif"))
    before = {n: os.stat(os.path.join(outdir, n)).st_mtime_ns for n in outputs}
    lines = len(manifest(outdir))
    result = batch(folder, product, outdir, "--method", "idw", "--workers", "2", "--resume")
    assert result.returncode == 1, result.stderr          # the corrupt scene still fails
    new = manifest(outdir)[lines:]
    assert [r["status"] for r in new] == ["failed"]
    assert {n: os.stat(os.path.join(outdir, n)).st_mtime_ns for n in outputs} == before
    assert "skipped (already done) 4" in result.stdout

    changed = os.path.join(outdir, outputs[0])
    with open(changed, "ab") as fh:                       # a file damaged since it was recorded
        fh.write(b"\0")
    lines = len(manifest(outdir))
    result = batch(folder, product, outdir, "--method", "idw", "--workers", "2", "--resume")
    redone = [r for r in manifest(outdir)[lines:] if r["status"] == "done"]
    assert [r["outputs"][0]["name"] for r in redone] == [outputs[0]]
    assert file_record(changed) == redone[0]["outputs"][0]


def test_inputs_from_lists_globs_and_tarballs_are_grouped_by_path_row(tmp_path, data_dir):
    tar = data_dir / "LC08_L2SP_204023_20200927_20201006_02_T1-cropped.tar.gz"
    (tmp_path / "scenes.csv").write_text(f"path,note\n{data_dir / 'lethbridge_2000_384' / 'LT05'},"
                                         f"tm\n# skipped\n{tar},l8\n")
    (tmp_path / "more.txt").write_text(f"{data_dir / 'lethbridge_2000_384' / 'LE07'}\n\n")
    paths = expand_inputs([tmp_path / "scenes.csv", str(tmp_path / "*.txt"),
                           data_dir / "menindee_water"])
    scenes = sort_scenes(describe_scenes(paths))
    summary = [(s.group, s.date.isoformat(), os.path.basename(s.path)) for s in scenes]
    assert summary == [
        ("041025", "2000-07-12", "LT05"), ("041025", "2000-08-21", "LE07"),
        ("204023", "2020-09-27", tar.name),
        ("unknown", "2010-01-16", "menindee_20100116.tif"),
        ("unknown", "2010-02-01", "menindee_20100201.tif"),
        ("unknown", "2010-05-08", "menindee_20100508.tif")]
    stack = plan_tasks(scenes, tmp_path, "fill-stack", "nspi", max_references=1)
    by_target = {os.path.basename(t.inputs[0]): t for t in stack}
    assert [os.path.basename(p) for p in by_target["LE07"].inputs] == ["LE07", "LT05"]
    assert "only this one readable date" in by_target[tar.name].problem
    assert [os.path.basename(p) for p in by_target["menindee_20100201.tif"].inputs] == [
        "menindee_20100201.tif", "menindee_20100116.tif"]
    water = plan_tasks(scenes, tmp_path, "water", "auto")
    assert [(t.group, len(t.inputs), bool(t.problem)) for t in water] == [
        ("041025", 2, False), ("204023", 1, True), ("unknown", 3, False)]


def test_batch_sigkilled_midway_resumes_to_completion_without_partial_files(tmp_path, data_dir):
    scenes, outdir = tmp_path / "scenes", tmp_path / "out"
    scenes.mkdir(), outdir.mkdir()
    for i, (col, row) in enumerate([(0, 0), (64, 0), (0, 64), (64, 64), (32, 32), (32, 0),
                                    (0, 32), (64, 32)]):
        crop(data_dir / MENINDEE, scenes / f"menindee_20100116_{i}.tif", col, row, 192)
    proc = subprocess.Popen([sys.executable, "-m", "engine", "batch", str(scenes), str(outdir),
                             "--method", "idw", "--workers", "2", "--progress", "none"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline, records = time.monotonic() + 120, []
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(outdir / MANIFEST_NAME) and partial_files(outdir):
            records = manifest(outdir)
            if records:
                os.killpg(proc.pid, signal.SIGKILL)     # the node is lost: nothing unwinds
                break
        time.sleep(0.002)
    proc.wait(timeout=30)
    assert 1 <= len(records) < 8, "the batch was not killed midway"
    finished = {r["outputs"][0]["name"]: os.stat(outdir / r["outputs"][0]["name"]).st_mtime_ns
                for r in manifest(outdir)}
    result = batch(scenes, outdir, "--method", "idw", "--workers", "2", "--resume")
    assert result.returncode == 0, result.stderr + result.stdout
    assert partial_files(outdir) == []
    outputs = sorted(n for n in os.listdir(outdir) if n.endswith("_filled.tif"))
    assert outputs == [f"menindee_20100116_{i}_filled.tif" for i in range(8)]
    records = manifest(outdir)
    assert sorted({r["key"] for r in records}) == [f"fill:{n}" for n in outputs]
    assert len(records) == 8                            # nothing finished was done again
    for name, mtime in finished.items():
        assert os.stat(outdir / name).st_mtime_ns == mtime
    for record in records:
        assert file_record(outdir / record["outputs"][0]["name"]) == record["outputs"][0]


def kill_first_writer(outdir, killed):
    """SIGKILL the worker that is writing an output (its pid is in the stage file's name)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for name in os.listdir(outdir):
            if ".partial-" in name:
                pid = int(name.split(".partial-")[1].split(".")[0])
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
        time.sleep(0.002)


@pytest.mark.parametrize("retries", [1, 0])
def test_worker_killed_during_a_task(tmp_path, data_dir, retries):
    outdir = tmp_path / "out"
    outdir.mkdir()
    scene = crop(data_dir / MENINDEE, tmp_path / "menindee_20100116_w.tif", 0, 0, 256)
    killed = []
    killer = threading.Thread(target=kill_first_writer, args=(outdir, killed), daemon=True)
    killer.start()
    result = batch(scene, outdir, "--method", "idw", "--workers", "1", "--retries", retries)
    killer.join(timeout=5)
    assert len(killed) == 1
    [record] = manifest(outdir)
    assert partial_files(outdir) == []
    out = outdir / "menindee_20100116_w_filled.tif"
    if retries:
        assert result.returncode == 0, result.stderr
        assert (record["status"], record["attempts"]) == ("done", 2)
        reference = tmp_path / "reference.tif"
        assert run_cli("fill", scene, reference, "--method", "idw", "--quiet").returncode == 0
        assert_same_raster(out, reference)
    else:
        assert result.returncode == 1
        assert (record["status"], record["attempts"]) == ("failed", 1)
        assert "died" in record["error"]
        assert not out.exists()


def test_bad_batch_input_is_one_line_and_writes_nothing(tmp_path, data_dir):
    result = batch(data_dir / MENINDEE, tmp_path / "missing")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: output folder does not exist")
    result = batch(data_dir / MENINDEE, tmp_path, "--job", "fill-stack", "--method", "idw")
    assert result.returncode == 2 and "--method must be one of" in result.stderr
    result = batch(str(tmp_path / "*.tif"), tmp_path)
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        f"error: no file matches {tmp_path / '*.tif'}"]
    assert os.listdir(tmp_path) == []
