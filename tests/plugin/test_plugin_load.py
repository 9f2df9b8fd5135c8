"""The plugin loads like QGIS loads it: classFactory with an iface (desktop) or None
(qgis_process), registers its provider, algorithms, toolbar button and Raster menu entry, and
unloads cleanly."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess

import pytest
from qgis.core import QgsApplication

from plugin_testing import ROOT, import_plugin_package

ALGORITHMS = ["classifywaterseasonality", "evaluategapfill", "fillscanlines", "filltimeseries",
              "simulateslcoff"]
MENU = "Landsat 7 Gap Fill"


def _provider():
    return QgsApplication.processingRegistry().providerById("landsatgapfill")


def test_provider_and_actions_registered_and_unloaded(plugin, qgis_iface):
    plugin.unload()
    assert _provider() is None
    assert not plugin.actions

    qgis_iface.addPluginToRasterMenu.reset_mock()
    plugin.initGui()
    provider = _provider()
    assert provider is not None and provider.name() == "Landsat 7 Gap Fill"
    assert sorted(a.name() for a in provider.algorithms()) == ALGORITHMS
    for algorithm in provider.algorithms():
        assert algorithm.shortHelpString() and not algorithm.icon().isNull()
        assert algorithm.group() == "Landsat 7 SLC-off"
    fill, water = plugin.fill_action, plugin.water_action
    assert fill.text() == "Fill scanlines…" and water.text() == "Water classes…"
    for action in (fill, water):
        assert not action.icon().isNull() and action in plugin.toolbar.actions()
    assert [c.args for c in qgis_iface.addPluginToRasterMenu.call_args_list] == \
        [(MENU, fill), (MENU, water)]


def test_headless_load_for_qgis_process(plugin):
    """qgis_process calls classFactory(None) then initProcessing(): no iface, no widgets."""
    plugin.unload()
    headless = import_plugin_package().classFactory(None)
    headless.initProcessing()
    try:
        assert sorted(a.name() for a in _provider().algorithms()) == ALGORITHMS
        assert headless.toolbar is None and not headless.actions
    finally:
        headless.unload()
        plugin.initGui()
    assert _provider() is not None


def test_fill_parameters_are_typed_with_stable_ids(plugin):
    alg = QgsApplication.processingRegistry().algorithmById("landsatgapfill:fillscanlines")
    params = {p.name(): p for p in alg.parameterDefinitions()}
    assert list(params) == ["INPUT", "PRODUCT", "REFERENCES", "METHOD", "DEVICE", "TILE_SIZE",
                            "FILLED_MASK", "UNCERTAINTY", "OUTPUT"]
    assert params["INPUT"].type() == "raster" and params["OUTPUT"].type() == "rasterDestination"
    assert params["METHOD"].usesStaticStrings()
    assert {"auto", "idw", "telea", "navier-stokes", "nspi"} <= set(params["METHOD"].options())
    assert params["METHOD"].defaultValue() == "auto"
    assert params["REFERENCES"].type() == "multilayer" and params["REFERENCES"].flags() & \
        params["REFERENCES"].Flag.FlagOptional
    advanced = {n for n, p in params.items() if p.flags() & p.Flag.FlagAdvanced}
    assert advanced == {"DEVICE", "TILE_SIZE", "FILLED_MASK", "UNCERTAINTY"}
    assert "Inverse distance" in alg.shortHelpString()  # method summaries from the registry
    outputs = {o.name() for o in alg.outputDefinitions()}
    assert {"OUTPUT", "OUTPUT_FILLED_MASK", "OUTPUT_UNCERTAINTY", "GAP_PERCENT"} <= outputs


def test_metadata_is_complete():
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(ROOT / "metadata.txt", encoding="utf-8")
    general = meta["general"]
    assert general["name"] == "Landsat 7 Gap Fill"
    assert general["qgisMinimumVersion"] == "3.22" and general["hasProcessingProvider"] == "yes"
    assert general["tracker"].endswith("/issues")
    assert (ROOT / general["icon"]).is_file()
    for key in ("description", "about", "version", "author", "email", "repository", "license"):
        assert general[key].strip(), key


@pytest.mark.skipif(shutil.which("qgis_process.bin") is None and
                    shutil.which("qgis_process") is None, reason="needs qgis_process")
def test_algorithm_runs_in_qgis_process(tmp_path):
    """The provider loads where there is no iface and no GUI at all."""
    out = tmp_path / "filled.tif"
    env = dict(os.environ, QGIS_PROCESS_SCRATCH=str(tmp_path / "profile"))
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "qgis_process.sh"), "run",
         "landsatgapfill:fillscanlines", "--",
         f"INPUT={ROOT / 'tests/data/menindee_20100116_256.tif'}", "METHOD=idw",
         f"OUTPUT={out}"], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Running on: CPU (" in done.stdout and out.is_file()
