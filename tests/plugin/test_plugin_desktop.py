"""Desktop smoke test: the real QGIS application under Xvfb, plugin enabled through its
profile's QGIS3.ini, the fill run through the dialog's code path, a screenshot taken
(scripts/qgis_smoke.sh + smoke_startup.py). Skipped where Xvfb or qgis is not installed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from qgis.PyQt.QtGui import QImage

from plugin_testing import ROOT
from engine.methods import DEFAULT_METHOD

pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("qgis") is None,
                       reason="needs Xvfb and the qgis desktop application"),
]


def test_fill_scanlines_in_desktop_qgis(tmp_path):
    shot, scratch = tmp_path / "fill_scanlines.png", tmp_path / "scratch"
    env = dict(os.environ, SMOKE_SCREENSHOT=str(shot), SMOKE_SCRATCH=str(scratch),
               SMOKE_TIMEOUT="150")
    done = subprocess.run(["bash", str(ROOT / "scripts" / "qgis_smoke.sh")], env=env,
                          capture_output=True, text=True, timeout=200)
    assert done.returncode == 0, done.stdout + done.stderr
    status = json.loads((scratch / "status.json").read_text())
    assert status["ok"] and status["same_crs"] and status["same_extent"]
    assert any(name.endswith(f"filled ({DEFAULT_METHOD})") for name in status["layers"])
    image = QImage(str(shot))
    assert image.width() >= 800 and image.height() >= 600
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37)
               for y in range(0, image.height(), 37)}
    assert len(colours) > 200  # a rendered map, not a blank window
