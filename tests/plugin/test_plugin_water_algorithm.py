"""`landsatgapfill:classifywaterseasonality` through Processing on real Menindee dates: the
seasonal lake comes out seasonal, the full lake permanent, dry land not water; the reported
areas are the class pixel counts times the pixel area; the toolbox loads the output with the
class palette; batch runs; cancel leaves nothing; bad input is refused in words."""
from __future__ import annotations

import os

import processing
import pytest
from qgis.core import (QgsApplication, QgsProcessing, QgsProcessingAlgRunnerTask,
                       QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback,
                       QgsRasterLayer)

from plugin_testing import (LAND, PERMANENT, PIXEL_M2, SEASONAL, WATER, class_pixels,
                            cancelling_feedback, class_shares, wait_for)

CLASSES = (("NOT_WATER", 1, "not water"), ("SEASONAL", 2, "seasonal water"),
           ("PERMANENT", 3, "permanent water"))


@pytest.fixture
def jan_feb_may(plugin, water_dates):
    return water_dates


def assert_areas_match_pixels(results: dict, output) -> None:
    pixels = class_pixels(output)
    for key, code, name in CLASSES:
        assert results[f"AREA_{key}_KM2"] == pytest.approx(pixels[code] * PIXEL_M2 / 1e6)
        assert results[f"AREA_{key}_HA"] == pytest.approx(pixels[code] * PIXEL_M2 / 1e4)
        assert name in results["SUMMARY"]


def test_classifies_real_dates_loads_styled_output_and_reports_areas(jan_feb_may, tmp_path,
                                                                     qgis_new_project):
    """Toolbox path (worker process): run, load the result, post-processor styles it."""
    jan, feb, may = jan_feb_may
    out = tmp_path / "classes.tif"
    results = processing.runAndLoadResults(WATER, {"INPUTS": [jan, feb, may],
                                                   "FILL_METHOD": "idw", "OUTPUT": str(out)})
    assert results["OUTPUT"] == str(out)
    assert class_shares(out, SEASONAL)[2] > 0.85
    assert class_shares(out, PERMANENT)[3] > 0.95
    assert class_shares(out, LAND)[1] > 0.95
    assert_areas_match_pixels(results, out)
    assert results["FILL_METHOD_USED"] == "idw" and results["DEVICE_USED"] in ("cpu", "cuda")

    layer = next(lyr for lyr in qgis_new_project.mapLayers().values()
                 if lyr.source() == str(out))
    first = QgsRasterLayer(jan, "jan")
    assert layer.crs().authid() == first.crs().authid() == "EPSG:3577"
    assert layer.extent() == first.extent()
    renderer = layer.renderer()
    assert renderer.type() == "paletted"
    assert [(c.value, c.label) for c in renderer.classes()] == \
        [(code, name) for _, code, name in CLASSES]
    qgis_new_project.removeAllMapLayers()
    del first


def test_in_process_fallback(jan_feb_may, tmp_path, monkeypatch):
    """No usable worker Python: the engine's library API runs in QGIS's process instead."""
    jan, _, may = jan_feb_may
    monkeypatch.setenv("LANDSAT_GAPFILL_WORKER", "inprocess")
    out = tmp_path / "classes.tif"
    results = processing.run(WATER, {"INPUTS": [jan, may], "FILL_METHOD": "idw",
                                     "DEVICE": "cpu", "BANDS": "1,2,3",
                                     "OUTPUT": str(out)})
    assert class_shares(out, SEASONAL)[2] > 0.85 and class_shares(out, PERMANENT)[3] > 0.95
    assert_areas_match_pixels(results, out)


def test_batch_of_two_runs_in_background_tasks(jan_feb_may, tmp_path):
    """Two runs queued at once in the task manager, as the batch dialog does; each output
    matches its own dates (January-May: the shore is seasonal; January-February: dry both
    times)."""
    jan, feb, may = jan_feb_may
    runs = {"jan_may": [jan, may], "jan_feb": [jan, feb]}
    done, tasks = {}, []
    for name, dates in runs.items():
        context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(WATER)
        params = {"INPUTS": dates, "FILL_METHOD": "idw", "OUTPUT": str(tmp_path / f"{name}.tif")}
        task = QgsProcessingAlgRunnerTask(algorithm, params, context, feedback)
        task.executed.connect(lambda ok, res, name=name: done.__setitem__(name, (ok, res)))
        tasks.append((task, context, feedback))
        QgsApplication.taskManager().addTask(task)
    wait_for(lambda: len(done) == 2, what="two water runs")
    for name in runs:
        ok, results = done[name]
        assert ok, f"run {name} failed"
        assert_areas_match_pixels(results, results["OUTPUT"])
        assert class_shares(results["OUTPUT"], PERMANENT)[3] > 0.95
    assert class_shares(done["jan_may"][1]["OUTPUT"], SEASONAL)[2] > 0.85
    assert class_shares(done["jan_feb"][1]["OUTPUT"], SEASONAL)[2] < 0.5


def test_cancel_mid_run_leaves_no_file(jan_feb_may, tmp_path):
    jan, feb, may = jan_feb_may
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    feedback, seen = cancelling_feedback(after_percent=3)
    with pytest.raises(QgsProcessingException, match="cancel"):
        processing.run(WATER, {"INPUTS": [jan, feb, may], "FILL_METHOD": "navier-stokes",
                               "TILE_SIZE": 64, "OUTPUT": str(out_dir / "classes.tif")},
                       feedback=feedback)
    assert seen and min(seen) < 100
    assert os.listdir(out_dir) == []  # no output, no partial file


@pytest.mark.parametrize("dates, params, words", [
    ([0], {}, "at least 2 dates .*got 1"),
    ([0, 2], {"BANDS": "red,nir,swir1"}, "Bands must be three comma-separated"),
    ([0, 2], {"FILL_METHOD": "magic"}, "FILL_METHOD"),
])
def test_bad_input_is_refused_in_words(jan_feb_may, tmp_path, dates, params, words):
    out = tmp_path / "classes.tif"
    inputs = [jan_feb_may[i] for i in dates]
    with pytest.raises(QgsProcessingException, match=words):
        processing.run(WATER, dict(params, INPUTS=inputs, OUTPUT=str(out)))
    assert not out.exists()


def test_engine_refusal_arrives_in_words(jan_feb_may, tmp_path):
    """Checked by the engine (in the worker): a band the rasters do not have."""
    jan, _, may = jan_feb_may
    out = tmp_path / "classes.tif"
    with pytest.raises(QgsProcessingException, match="band 7 does not exist"):
        processing.run(WATER, {"INPUTS": [jan, may], "BANDS": "1,2,7", "OUTPUT": str(out)})
    assert os.listdir(tmp_path) == []


def test_parameters_are_typed_with_stable_ids(plugin):
    alg = QgsApplication.processingRegistry().algorithmById(WATER)
    params = {p.name(): p for p in alg.parameterDefinitions()}
    assert list(params) == ["INPUTS", "PRODUCTS", "FILL_METHOD", "DEVICE", "BANDS", "TILE_SIZE",
                            "OUTPUT"]
    assert params["INPUTS"].type() == "multilayer" and params["PRODUCTS"].type() == "multilayer"
    assert params["PRODUCTS"].layerType() == QgsProcessing.SourceType.TypeFile
    assert params["OUTPUT"].type() == "rasterDestination"
    method = params["FILL_METHOD"]
    assert method.usesStaticStrings() and method.defaultValue() == "auto"
    assert method.options()[0] == "auto" and method.options()[-1] == "none"
    assert {"idw", "telea", "navier-stokes"} <= set(method.options())
    advanced = {n for n, p in params.items() if p.flags() & p.Flag.FlagAdvanced}
    assert advanced == {"DEVICE", "BANDS", "TILE_SIZE"}
    outputs = {o.name() for o in alg.outputDefinitions()}
    assert {f"AREA_{k}_{u}" for k, _, _ in CLASSES for u in ("KM2", "HA")} | \
        {"OUTPUT", "SUMMARY"} <= outputs
    help_text = alg.shortHelpString()
    for words in ("permanent water", "seasonal water", "no data", "SWIR1", "trained to agree"):
        assert words in help_text


def test_band_error_names_the_parameter_not_the_cli_flag(plugin, water_dates, tmp_path):
    """Two real Menindee dates re-saved with a fourth band and no band names: the engine cannot
    tell red, NIR and SWIR1 apart and says so in QGIS's words (no `--bands`)."""
    import numpy as np
    import rasterio

    paths = []
    for i, path in enumerate(water_dates[:2]):
        with rasterio.open(path) as ds:
            values, profile = ds.read(), dict(ds.profile, count=4)
        out = tmp_path / f"unnamed_{i}.tif"
        with rasterio.open(out, "w", **profile) as dst:
            dst.write(np.concatenate([values, values[:1]]))
        paths.append(str(out))
    with pytest.raises(QgsProcessingException) as caught:
        processing.run(WATER, {"INPUTS": paths, "FILL_METHOD": "none",
                               "OUTPUT": str(tmp_path / "classes.tif")})
    message = str(caught.value)
    assert "red, NIR and SWIR1" in message and "Bands parameter (Advanced)" in message
    assert "--bands" not in message
