"""Simulate and evaluate algorithms on the clean Lethbridge Landsat 7 product (2000, before
the SLC failure)."""
from __future__ import annotations

import json
import math

import numpy as np
import processing
import rasterio
from rasterio.windows import Window

from plugin_testing import LETHBRIDGE_MTL

from engine.io import open_scene


def test_simulate_burns_gaps_and_keeps_other_pixels(plugin, tmp_path):
    out = tmp_path / "simulated.tif"
    results = processing.run("landsatgapfill:simulateslcoff",
                             {"INPUT": str(LETHBRIDGE_MTL), "SEED": 3, "OUTPUT": str(out)})
    with open_scene(str(LETHBRIDGE_MTL)) as scene:
        p = scene.profile
        clean = scene.read(Window(0, 0, p.width, p.height))
    with rasterio.open(out) as ds:
        burned, nodata = ds.read(), ds.nodata
        assert ds.crs == p.crs and ds.transform == p.transform
    changed = np.any(burned != clean, axis=0)
    assert np.all(burned[:, changed] == nodata)  # only gaps changed, to nodata
    assert np.array_equal(burned[:, ~changed], clean[:, ~changed])
    # the simulated mask covers the changed pixels and lies within the output's nodata
    # (it may also cross pixels that were already fill in the clean product)
    assert 100 * changed.mean() <= results["GAP_PERCENT"] <= \
        100 * np.all(burned == nodata, axis=0).mean() + 1e-9
    assert 10 < results["GAP_PERCENT"] < 40
    again = processing.run("landsatgapfill:simulateslcoff",
                           {"INPUT": str(LETHBRIDGE_MTL), "SEED": 3,
                            "OUTPUT": str(tmp_path / "again.tif")})
    assert again["GAP_PERCENT"] == results["GAP_PERCENT"]  # same seed, same gaps


def test_evaluate_scores_are_finite_and_idw_is_accurate(plugin, tmp_path):
    html, png = tmp_path / "scores.html", tmp_path / "scores.png"
    results = processing.run("landsatgapfill:evaluategapfill",
                             {"INPUT": str(LETHBRIDGE_MTL), "METHODS": ["idw", "telea"],
                              "OUTPUT_HTML": str(html), "OUTPUT_PNG": str(png)})
    rows = {r["method"]: r for r in json.loads(results["SCORES_JSON"])}
    assert set(rows) == {"idw", "telea"}
    for row in rows.values():
        for key in ("rmse", "rmse_norm", "psnr_db", "ms_ssim", "seconds"):
            assert math.isfinite(row[key]), (row["method"], key)
    assert rows["idw"]["rmse_norm"] < 0.1
    assert rows["idw"]["psnr_db"] > 18
    assert "idw" in results["TABLE"] and "<table" in html.read_text()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
