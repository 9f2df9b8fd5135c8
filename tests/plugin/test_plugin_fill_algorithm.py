"""`landsatgapfill:fillscanlines` through Processing, on the real Menindee SLC-off sample:
georeferencing kept, every gap filled, every other pixel bit-identical; batch runs; cancel
leaves nothing behind; engine failures arrive as QgsProcessingException in plain words."""
from __future__ import annotations

import os
import stat

import processing
import pytest
from qgis.core import (QgsApplication, QgsLayerTreeGroup, QgsProcessingAlgRunnerTask,
                       QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback,
                       QgsProject, QgsRasterLayer)

from plugin_testing import DATA, FILL, assert_filled_correctly, cancelling_feedback, wait_for

MODES = ["subprocess", "inprocess"]


@pytest.fixture(params=MODES)
def worker_mode(request, monkeypatch):
    """Run a test with the engine in a worker process and in QGIS's own process."""
    monkeypatch.setenv("LANDSAT_GAPFILL_WORKER", request.param)
    return request.param


def test_fill_real_sample(plugin, sample, tmp_path, worker_mode):
    out = tmp_path / "filled.tif"
    results = processing.run(FILL, {"INPUT": str(sample), "METHOD": "idw", "OUTPUT": str(out),
                                    "FILLED_MASK": True})
    assert results["OUTPUT"] == str(out)
    filled = assert_filled_correctly(sample, out, results["OUTPUT_FILLED_MASK"])
    assert results["GAP_PERCENT"] == pytest.approx(100 * filled.mean())
    assert 10 < results["GAP_PERCENT"] < 14 and results["DEVICE_USED"] == "cpu"
    src, dst = QgsRasterLayer(str(sample), "in"), QgsRasterLayer(str(out), "out")
    assert dst.crs().authid() == src.crs().authid() == "EPSG:3577"
    assert dst.extent() == src.extent()
    assert (dst.width(), dst.height(), dst.bandCount()) == (src.width(), src.height(), 3)
    del src, dst


def test_batch_of_three_inputs_in_background_tasks(plugin, sample, tmp_path):
    """Three runs queued at once in the task manager, as the batch dialog does."""
    inputs = [sample, DATA / "menindee_20100116_256.tif", DATA / "menindee_edge_256.tif"]
    methods = ["idw", "telea", "navier-stokes"]
    done, tasks = {}, []
    for i, (path, method) in enumerate(zip(inputs, methods)):
        context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
        context.setProject(QgsProject.instance())
        alg = QgsApplication.processingRegistry().createAlgorithmById(FILL)
        params = {"INPUT": str(path), "METHOD": method, "OUTPUT": str(tmp_path / f"out{i}.tif")}
        task = QgsProcessingAlgRunnerTask(alg, params, context, feedback)
        task.executed.connect(lambda ok, res, i=i: done.__setitem__(i, (ok, res)))
        tasks.append((task, context, feedback))
        QgsApplication.taskManager().addTask(task)
    wait_for(lambda: len(done) == 3, what="three fills")
    for i, path in enumerate(inputs):
        ok, results = done[i]
        assert ok, f"run {i} failed"
        assert_filled_correctly(path, results["OUTPUT"])


def test_cancel_mid_run_leaves_no_file(plugin, sample, tmp_path, worker_mode):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    feedback, seen = cancelling_feedback(after_percent=5)
    with pytest.raises(QgsProcessingException, match="cancel"):
        processing.run(FILL, {"INPUT": str(sample), "METHOD": "navier-stokes", "TILE_SIZE": 64,
                              "FILLED_MASK": True, "OUTPUT": str(out_dir / "filled.tif")},
                       feedback=feedback)
    assert seen and min(seen) < 100
    assert os.listdir(out_dir) == []  # no output, no sidecar, no partial file


def test_engine_error_is_a_processing_exception_in_words(plugin, sample, tmp_path):
    with pytest.raises(QgsProcessingException, match="output folder does not exist"):
        processing.run(FILL, {"INPUT": str(sample), "METHOD": "idw",
                              "OUTPUT": str(tmp_path / "missing" / "filled.tif")})


def _fake_python(tmp_path, signal_name: str) -> str:
    """An interpreter that imports fine (the probe) but is killed like the OOM killer / a
    segfault would kill the engine: the OS-level failure, not a mock of QGIS."""
    import sys

    script = tmp_path / f"python-{signal_name}"
    script.write_text(f'#!/bin/sh\nif [ "$1" = "-c" ]; then exec "{sys.executable}" "$@"; fi\n'
                      f"kill -{signal_name} $$\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.mark.parametrize("signal_name, words", [("KILL", "killed \\(signal 9\\).*smaller tile"),
                                                ("SEGV", "crashed \\(SIGSEGV\\)")])
def test_worker_death_is_reported_not_fatal(plugin, sample, tmp_path, monkeypatch,
                                            signal_name, words):
    if os.name != "posix":
        pytest.skip("uses a POSIX shell to stand in for the dying worker")
    monkeypatch.setenv("LANDSAT_GAPFILL_PYTHON", _fake_python(tmp_path, signal_name))
    out = tmp_path / "filled.tif"
    with pytest.raises(QgsProcessingException, match=words):
        processing.run(FILL, {"INPUT": str(sample), "METHOD": "idw", "OUTPUT": str(out)})
    assert not out.exists()  # and this process, standing in for QGIS, is still running


def test_toolbox_run_loads_output_styled_like_source(plugin, sample, tmp_path, qgis_new_project):
    """Processing loads the outputs itself (toolbox, models); the algorithm's post-processor
    gives the filled layer the source's renderer and loads the sidecar with its style."""
    source = QgsRasterLayer(str(sample), "menindee")
    project = qgis_new_project
    project.addMapLayer(source)
    renderer = source.renderer()
    renderer.setRedBand(3)  # a user's own band mapping must carry over
    renderer.setBlueBand(1)
    out = tmp_path / "filled.tif"
    processing.runAndLoadResults(FILL, {"INPUT": source.id(), "METHOD": "idw",
                                        "FILLED_MASK": True, "OUTPUT": str(out)})
    loaded = {lyr.source(): lyr for lyr in project.mapLayers().values()}
    filled = loaded[str(out)]
    r = filled.renderer()
    assert r.type() == "multibandcolor" and (r.redBand(), r.greenBand(), r.blueBand()) == (3, 2, 1)
    mask = loaded[str(tmp_path / "filled_filled_mask.tif")]
    assert mask.renderer().type() == "paletted"
    # as the dialog places them: one group right above the source, filled layer first and
    # visible, the mask under it and hidden (not loaded on top, ungrouped)
    root = project.layerTreeRoot()
    group, source_node = root.children()[:2]
    assert isinstance(group, QgsLayerTreeGroup) and group.name() == "menindee filled (idw)"
    assert source_node.layerId() == source.id()
    assert [n.layerId() for n in group.children()] == [filled.id(), mask.id()]
    assert [n.itemVisibilityChecked() for n in group.children()] == [True, False]
    project.removeAllMapLayers()


def test_uncertainty_sidecar_is_nodata_outside_gaps_and_styled(plugin, tmp_path,
                                                               qgis_new_project):
    """Real SLC-off crop filled by the neural process: the std sidecar is NaN (its nodata)
    where nothing was filled, and is loaded as a colour ramp in the fill's group."""
    import numpy as np
    import rasterio

    from engine.methods import DEFAULT_METHOD

    source = QgsRasterLayer(str(DATA / "menindee_20100116_256.tif"), "crop")
    qgis_new_project.addMapLayer(source)
    out = tmp_path / "filled.tif"
    processing.runAndLoadResults(FILL, {"INPUT": source.id(), "METHOD": DEFAULT_METHOD,
                                        "DEVICE": "cpu", "UNCERTAINTY": True,
                                        "FILLED_MASK": True, "OUTPUT": str(out)})
    std_path = tmp_path / "filled_uncertainty.tif"
    with rasterio.open(std_path) as ds:
        std = ds.read()
        assert np.isnan(ds.nodata)
    with rasterio.open(tmp_path / "filled_filled_mask.tif") as ds:
        filled = ds.read(1) == 1
    assert filled.any() and np.isnan(std[:, ~filled]).all()
    assert np.nanmin(std[:, filled]) >= 0 and np.nanmedian(std[:, filled]) > 10
    loaded = {lyr.source(): lyr for lyr in qgis_new_project.mapLayers().values()}
    layer = loaded[str(std_path)]
    assert layer.renderer().type() == "singlebandpseudocolor"
    shader = layer.renderer().shader().rasterShaderFunction()
    assert shader.minimumValue() == pytest.approx(float(np.nanmin(std[0])), rel=1e-4)
    node = qgis_new_project.layerTreeRoot().findLayer(layer.id())
    assert node.parent().name() == f"crop filled ({DEFAULT_METHOD})"
    assert not node.itemVisibilityChecked()
    qgis_new_project.removeAllMapLayers()


def test_worker_python_skips_interpreters_that_cannot_import_the_engine(plugin, tmp_path,
                                                                       monkeypatch):
    """Like a pyenv `python3` first on PATH: it exists but lacks rasterio; the next candidate
    (here the venv next to the plugin) is used instead."""
    from landsat_gapfill.plugin.worker import worker_mode
    from landsat_gapfill.plugin.worker.python import candidates

    broken = tmp_path / "python3"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(broken.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("LANDSAT_GAPFILL_PYTHON", str(broken))
    assert candidates()[0] == str(broken)
    mode, python = worker_mode()
    assert mode == "subprocess" and python != str(broken) and os.path.isfile(python)
