"""Startup script for the desktop smoke test: `qgis --code smoke_startup.py` (see
scripts/qgis_smoke.sh). Inside the real QGIS it loads the Menindee sample, clicks the plugin's
"Fill scanlines" action, sets the output and presses Run in the dialog (the same code path a
user takes), waits for the background task, saves a screenshot of the main window and quits.

Environment: SMOKE_SAMPLE (raster), SMOKE_OUT (folder for the filled file), SMOKE_SCREENSHOT
(PNG), SMOKE_STATUS (JSON written at the end: ok, message, details). Not collected by pytest
(no test_ prefix); tests/plugin/test_plugin_desktop.py runs it through the shell script."""
import json
import os
import time
import traceback

import qgis.utils
from qgis.core import Qgis, QgsProject
from qgis.PyQt.QtCore import QTimer

PLUGIN = "landsat_gapfill"
TIMEOUT_S = float(os.environ.get("SMOKE_STEP_TIMEOUT", "120"))
iface = qgis.utils.iface
state = {"started": time.monotonic(), "dialog": None, "source": None}


def finish(ok: bool, message: str, **details) -> None:
    with open(os.environ["SMOKE_STATUS"], "w", encoding="utf-8") as fh:
        json.dump({"ok": ok, "message": message, **details}, fh, indent=2)
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(200, iface.actionExit().trigger)


def guarded(step):
    """Any exception in a step ends the run with a status instead of a hanging QGIS."""
    def run():
        try:
            step()
        except Exception:  # the smoke test's whole point is to report, not to crash
            finish(False, traceback.format_exc())
    return run


@guarded
def start_fill() -> None:
    plugin = qgis.utils.plugins.get(PLUGIN)
    if plugin is None:
        return finish(False, f"plugin {PLUGIN} is not loaded; active: {qgis.utils.active_plugins}")
    layer = iface.addRasterLayer(os.environ["SMOKE_SAMPLE"], "Menindee 2010-01-16 (SLC-off)")
    if layer is None or not layer.isValid():
        return finish(False, "the sample did not load")
    state["source"] = layer
    iface.setActiveLayer(layer)
    plugin.fill_action.trigger()
    dialog = state["dialog"] = plugin.fill_dialog
    dialog.output_widget.setFilePath(os.path.join(os.environ["SMOKE_OUT"], "menindee_filled.tif"))
    dialog.mask_check.setChecked(True)
    QTimer.singleShot(300, run_when_measured)


@guarded
def run_when_measured() -> None:
    """Wait for the gap percentage (measured in the background), keep a picture of the
    dialog as the user sees it, then press Run."""
    dialog = state["dialog"]
    if "%" not in dialog.gap_label.text() and time.monotonic() - state["started"] < TIMEOUT_S:
        QTimer.singleShot(200, run_when_measured)
        return
    if os.environ.get("SMOKE_DIALOG_SCREENSHOT"):
        dialog.grab().save(os.environ["SMOKE_DIALOG_SCREENSHOT"], "PNG")
    dialog.run_button.click()
    QTimer.singleShot(300, wait_for_fill)


@guarded
def wait_for_fill() -> None:
    dialog = state["dialog"]
    if dialog.run.is_running():
        if time.monotonic() - state["started"] > TIMEOUT_S:
            return finish(False, "the fill did not finish in time")
        QTimer.singleShot(300, wait_for_fill)
        return
    if not dialog.run.added_layers:
        return finish(False, f"no layer was added: {dialog.status_label.text()}")
    filled = dialog.run.added_layers[0]
    iface.setActiveLayer(filled)
    iface.mapCanvas().setExtent(filled.extent())
    iface.mapCanvas().refreshAllLayers()
    QTimer.singleShot(3000, take_screenshot)


@guarded
def take_screenshot() -> None:
    source, filled = state["source"], state["dialog"].run.added_layers[0]
    path = os.environ["SMOKE_SCREENSHOT"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    saved = iface.mainWindow().grab().save(path, "PNG")
    finish(saved, "filled layer added" if saved else "screenshot failed",
           filled=filled.source(), same_crs=filled.crs() == source.crs(),
           same_extent=filled.extent() == source.extent(),
           layers=[lyr.name() for lyr in QgsProject.instance().mapLayers().values()],
           qgis=Qgis.version())


iface.mainWindow().showMaximized()
QTimer.singleShot(1500, start_fill)
