"""A raster without gaps is still "filled" (the output is a copy, a valid result in a batch over
dates), but users are told before the run, not only after it: the Processing log warns before
the engine starts and the dialog's gap line says so."""
from __future__ import annotations

import shutil

import numpy as np
import processing
import pytest
import rasterio
from qgis.core import QgsProcessingFeedback, QgsProject, QgsRasterLayer

from plugin_testing import DATA, FILL, wait_for

CLEAN = DATA / "lethbridge_pair_128" / "le07_20000821.tif"  # before the SLC failure: no gaps
SLC_OFF = DATA / "menindee_20100116_256.tif"
NO_GAPS = "no gaps found: the output will be a copy of the input"


class Journal(QgsProcessingFeedback):
    """Warnings and progress in the order they arrived."""

    def __init__(self):
        super().__init__()
        self.events: list = []
        self.progressChanged.connect(lambda p: self.events.append(("progress", p)))

    def pushWarning(self, warning):  # noqa: N802
        self.events.append(("warning", warning))
        super().pushWarning(warning)


def _copy(path, tmp_path):
    return str(shutil.copy(path, tmp_path / path.name))


def test_processing_warns_before_running_and_still_writes_the_copy(plugin, tmp_path):
    source, out = _copy(CLEAN, tmp_path), tmp_path / "filled.tif"
    feedback = Journal()
    results = processing.run(FILL, {"INPUT": source, "METHOD": "idw", "OUTPUT": str(out)},
                             feedback=feedback)
    warnings = [i for i, (kind, text) in enumerate(feedback.events)
                if kind == "warning" and text == NO_GAPS]
    progress = [i for i, (kind, value) in enumerate(feedback.events)
                if kind == "progress" and value > 0]
    assert warnings and progress and warnings[0] < progress[0]  # said before the engine works
    assert results["GAP_PERCENT"] == 0
    with rasterio.open(source) as a, rasterio.open(out) as b:
        assert b.crs == a.crs and b.transform == a.transform
        np.testing.assert_array_equal(b.read(), a.read())


def test_processing_does_not_warn_when_there_are_gaps(plugin, tmp_path):
    feedback = Journal()
    results = processing.run(FILL, {"INPUT": _copy(SLC_OFF, tmp_path), "METHOD": "telea",
                                    "OUTPUT": str(tmp_path / "filled.tif")}, feedback=feedback)
    assert results["GAP_PERCENT"] > 5
    assert not [text for kind, text in feedback.events if kind == "warning" and "no gaps" in
                str(text)]


@pytest.mark.parametrize("path, expected", [(CLEAN, "Gaps: " + NO_GAPS),
                                            (SLC_OFF, "Gaps: 1")], ids=["clean", "slc-off"])
def test_dialog_says_no_gaps_found_before_the_run(plugin, qgis_iface, qgis_new_project,
                                                   tmp_path, path, expected):
    layer = QgsRasterLayer(_copy(path, tmp_path), "date")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    qgis_iface.setActiveLayer(layer)
    plugin.show_fill_dialog()
    dialog = plugin.fill_dialog
    try:
        dialog.layer_combo.setLayer(layer)
        wait_for(lambda: "measuring" not in dialog.gap_label.text()
                 and dialog.gap_label.text(), what="the gap measurement")
        assert dialog.gap_label.text().startswith(expected)
        assert ("no gaps" in dialog.gap_label.text()) == (path == CLEAN)
    finally:
        wait_for(lambda: not dialog.background.busy(), what="idle")
        dialog.hide()
        QgsProject.instance().removeAllMapLayers()
