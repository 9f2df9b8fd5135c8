"""Shared by the plugin tests (imported by name, so it has a name no other test folder uses):
paths, importing the plugin the way QGIS does, waiting on Qt tasks, numerical raster checks."""
from __future__ import annotations

import importlib.util
import pathlib
import sys
import time

import numpy as np
import rasterio
from qgis.core import QgsProcessingFeedback
from qgis.PyQt.QtCore import QCoreApplication

from engine.jobs.info import describe_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = "landsat_gapfill"
SAMPLE = ROOT / "resources" / "samples" / "menindee_20100116.tif"
DATA = ROOT / "tests" / "data"
LETHBRIDGE_MTL = DATA / "lethbridge_le07_256" / "LE07_L1TP_041025_20000821_20170210_01_T1_MTL.txt"
FILL = "landsatgapfill:fillscanlines"
WATER = "landsatgapfill:classifywaterseasonality"
# Real Menindee crops (600 x 400 px, 25 m, EPSG:3577; tests/data/README.md) and regions of them
# (row0, row1, col0, col1), as in tests/test_water.py: the east shore of a lake dry in January
# and full in May, the inside of a lake full on every date, dry land with irrigated fields.
WATER_DATES = [DATA / "menindee_water" / f"menindee_{d}.tif"
               for d in ("20100116", "20100201", "20100508")]
SEASONAL, PERMANENT, LAND = (300, 390, 250, 320), (20, 130, 470, 580), (200, 300, 380, 480)
PIXEL_M2 = 25.0 * 25.0


def import_plugin_package():
    """Import the repository root as the `landsat_gapfill` package, like QGIS does."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, ROOT / "__init__.py", submodule_search_locations=[str(ROOT)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = module
        spec.loader.exec_module(module)
    return sys.modules[PACKAGE]


def wait_for(predicate, timeout_s: float = 120.0, what: str = "condition") -> None:
    """Process Qt events until `predicate()` holds (tasks report back through the event loop)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        QCoreApplication.processEvents()
        time.sleep(0.02)


def cancelling_feedback(after_percent: float):
    """Feedback that cancels once progress passes `after_percent`, as a user pressing Cancel
    mid-run would; returns it with the list of progress values it saw."""
    feedback, seen = QgsProcessingFeedback(), []

    def cancel_when_past(percent):
        seen.append(percent)
        if percent > after_percent:
            feedback.cancel()

    feedback.progressChanged.connect(cancel_when_past)
    return feedback, seen



def class_shares(path, box) -> np.ndarray:
    """Share of class codes 0-3 inside `box` of the class raster at `path`."""
    r0, r1, c0, c1 = box
    with rasterio.open(path) as ds:
        cut = ds.read(1)[r0:r1, c0:c1]
    return np.bincount(cut.ravel(), minlength=4)[:4] / cut.size


def class_pixels(path) -> np.ndarray:
    with rasterio.open(path) as ds:
        return np.bincount(ds.read(1).ravel(), minlength=4)[:4]


def read(path):
    with rasterio.open(path) as ds:
        return ds.read(), ds.profile.copy(), ds.transform, ds.crs


def assert_filled_correctly(source, output, mask_path=None) -> np.ndarray:
    """Same grid; pixels that were not gaps identical; gap pixels no longer nodata; return the
    mask of pixels that changed (union over bands)."""
    before, p_in, t_in, crs_in = read(source)
    after, p_out, t_out, crs_out = read(output)
    assert crs_out == crs_in and t_out == t_in
    assert (p_out["width"], p_out["height"], p_out["count"], p_out["dtype"]) == \
        (p_in["width"], p_in["height"], p_in["count"], p_in["dtype"])
    nodata = p_in["nodata"]
    changed = before != after
    assert np.all(before[changed] == nodata), "only nodata pixels may change"
    info = describe_file(str(source))
    filled = changed.any(axis=0)
    # every gap pixel (nodata inside the footprint, as the engine's scan defines it) was filled
    assert filled.sum() == round(info.gap_fraction * before.shape[1] * before.shape[2])
    assert not np.any(after[:, filled] == nodata)
    for b in range(before.shape[0]):  # filled values lie within the band's observed range
        known = before[b][before[b] != nodata]
        assert known.min() <= after[b][filled].min() and after[b][filled].max() <= known.max()
    if mask_path is not None:
        mask, _, t_mask, _ = read(mask_path)
        assert t_mask == t_in and np.array_equal(mask[0] == 1, filled)
    return filled
