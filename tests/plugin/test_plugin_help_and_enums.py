"""What `qgis_process help` shows is true and readable: the help is plain text (qgis_process
prints it as it is; the toolbox makes each line a paragraph), and enum values given by their
number, which that help offers ("Number of selected option, e.g. '1'"), work."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
import processing
import pytest
import rasterio
from qgis.core import QgsApplication

from plugin_testing import DATA, FILL, ROOT

TAG = re.compile(r"<[a-zA-Z/][^>]*>|&[a-z]+;")
SCENE = DATA / "menindee_20100116_256.tif"


def _algorithms():
    return QgsApplication.processingRegistry().providerById("landsatgapfill").algorithms()


def test_every_help_is_plain_text_with_line_breaks(plugin):
    for algorithm in _algorithms():
        text = algorithm.shortHelpString()
        assert not TAG.search(text), (algorithm.id(), TAG.search(text).group())
    fill = QgsApplication.processingRegistry().algorithmById(FILL).shortHelpString()
    lines = fill.splitlines()
    assert "- idw — Inverse distance (GDAL FillNodata): " + \
        "QGIS's Fill NoData" in "\n".join(lines)  # one method per line, apostrophe unescaped
    assert any(line.startswith("- nspi — ") for line in lines)


@pytest.mark.parametrize("method, device", [(3, 1), ("3", "1")], ids=["int", "str"])
def test_enum_numbers_are_options(plugin, tmp_path, method, device):
    alg = QgsApplication.processingRegistry().algorithmById(FILL)
    options = {p.name(): p.options() for p in alg.parameterDefinitions()
               if p.type() == "enum"}
    assert (options["METHOD"][3], options["DEVICE"][1]) == ("idw", "cpu")
    by_number, by_name = tmp_path / "number.tif", tmp_path / "name.tif"
    results = processing.run(FILL, {"INPUT": str(SCENE), "METHOD": method, "DEVICE": device,
                                    "OUTPUT": str(by_number)})
    assert results["METHOD_USED"] == "idw" and results["DEVICE_USED"] == "cpu"
    processing.run(FILL, {"INPUT": str(SCENE), "METHOD": "idw", "OUTPUT": str(by_name)})
    with rasterio.open(by_number) as a, rasterio.open(by_name) as b:
        np.testing.assert_array_equal(a.read(), b.read())


def test_enum_number_out_of_range_is_refused(plugin, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException):
        processing.run(FILL, {"INPUT": str(SCENE), "METHOD": 99,
                              "OUTPUT": str(tmp_path / "o.tif")})
    assert not (tmp_path / "o.tif").exists()


@pytest.mark.skipif(shutil.which("qgis_process.bin") is None and
                    shutil.which("qgis_process") is None, reason="needs qgis_process")
def test_qgis_process_help_is_plain_and_its_numbers_run(tmp_path):
    env = dict(os.environ, QGIS_PROCESS_SCRATCH=str(tmp_path / "profile"))
    script = ["bash", str(ROOT / "scripts" / "qgis_process.sh")]
    shown = subprocess.run(script + ["help", FILL], env=env, capture_output=True, text=True,
                           timeout=180)
    assert shown.returncode == 0 and "3: idw" in shown.stdout
    assert not TAG.search(shown.stdout.split("Arguments")[0])
    out = tmp_path / "filled.tif"
    done = subprocess.run(script + ["run", FILL, "--", f"INPUT={SCENE}", "METHOD=3",
                                    f"OUTPUT={out}"],
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"METHOD_USED:\s+idw", done.stdout) and out.is_file()
