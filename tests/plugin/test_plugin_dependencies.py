"""Without PyTorch the plugin still loads and offers the classical methods; neural methods are
shown but refused with the exact install command for QGIS's Python."""
from __future__ import annotations

import os
import re
import sys

import processing
import pytest
from qgis.core import QgsProcessingException

from plugin_testing import ROOT, import_plugin_package

from engine.methods import MethodSpec, registry


@pytest.fixture
def no_torch(monkeypatch):
    """Torch made unimportable for the Python that runs the engine (here QGIS's own: jobs in
    process), and a neural method registered as the engine will register its ConvCNP (the
    registry is the engine's; the fake entry is removed afterwards)."""
    monkeypatch.setenv("LANDSAT_GAPFILL_WORKER", "inprocess")
    monkeypatch.setitem(sys.modules, "torch", None)
    spec = MethodSpec(name="test-neural", title="Test neural process", summary="needs torch",
                      halo_px=16, factory=lambda device: None, kind="neural",
                      needs_torch=True, has_uncertainty=True)
    monkeypatch.setitem(registry._REGISTRY, spec.name, spec)
    return spec


def test_classical_methods_offered_and_neural_explained(no_torch):
    pkg = import_plugin_package()
    from landsat_gapfill.plugin import deps, methods

    assert pkg and not deps.torch_available()
    choices = {c.name: c for c in methods.method_choices()}
    assert all(choices[n].available for n in ("idw", "telea", "navier-stokes"))
    neural = choices["test-neural"]
    assert not neural.available and neural.label.endswith("(needs PyTorch)")
    assert "-m pip install torch==2.13.0" in neural.reason
    assert deps.install_command().endswith("-m pip install torch==2.13.0")
    assert methods.default_method() == "idw"


def test_fill_algorithm_refuses_neural_method_with_install_command(plugin, no_torch, tmp_path):
    from landsat_gapfill.plugin.algorithms import FillAlgorithm

    alg = FillAlgorithm()  # built after the neural method appeared, like a QGIS restart
    alg.initAlgorithm({})
    with pytest.raises(QgsProcessingException, match="pip install torch==2.13.0"):
        processing.run(alg, {"INPUT": str(ROOT / "tests/data/menindee_20100116_256.tif"),
                             "METHOD": "test-neural", "OUTPUT": str(tmp_path / "o.tif")})


def test_dialog_disables_neural_method_and_shows_command(plugin, no_torch, qgis_iface):
    from landsat_gapfill.plugin.gui.fill_dialog import FillDialog

    dialog = FillDialog(qgis_iface)
    try:
        combo = dialog.method_combo
        index = combo.findData("test-neural")
        assert index >= 0 and not combo.model().item(index).isEnabled()
        assert combo.currentData() == "idw"
        assert dialog.torch_note.isVisibleTo(dialog)
        assert "pip install torch==2.13.0" in dialog.torch_note.text()
        assert dialog.running_label.text().startswith("Running on: CPU (")
    finally:
        dialog.deleteLater()


def test_torch_pin_matches_requirements():
    from landsat_gapfill.plugin.deps import TORCH_REQUIREMENT

    pins = (ROOT / "requirements.txt").read_text().split()
    assert TORCH_REQUIREMENT in pins


def test_running_on_for_torch_methods_is_asked_of_the_worker(plugin):
    from landsat_gapfill.plugin import deps

    assert deps.running_on(False) == f"CPU ({os.cpu_count()} threads)"
    assert deps.running_on(True, "cpu").startswith("CPU (")  # torch loaded in the worker only
    if "torch" in sys.modules and sys.modules["torch"] is not None:
        pytest.skip("torch already imported here by another test")
    assert "torch" not in sys.modules


def test_packages_are_looked_for_in_the_python_that_runs_the_job(plugin, monkeypatch):
    """QGIS's own Python lacks torch and OpenCV (as Debian's does without python3-opencv), the
    worker's (the plugin's .venv) has both: neural methods and water classes are offered, the
    default is not silently idw, and the install command names the worker's Python."""
    from landsat_gapfill.plugin import deps, methods, water
    from landsat_gapfill.plugin.worker import worker_mode

    from engine.methods import DEFAULT_METHOD

    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setitem(sys.modules, "cv2", None)
    mode, python = worker_mode()
    assert mode == "subprocess" and python
    assert deps.torch_available() and not water.water_problem()
    choices = {c.name: c for c in methods.method_choices()}
    assert choices[DEFAULT_METHOD].available and choices["telea"].available
    assert methods.default_method() == DEFAULT_METHOD
    assert deps.install_command().startswith(python)


def test_opencv_methods_are_refused_where_the_engine_lacks_opencv(plugin, monkeypatch,
                                                                 tmp_path):
    """Jobs in QGIS's process without OpenCV: telea and navier-stokes are listed as needing
    it, refused before anything starts, with the install command."""
    from landsat_gapfill.plugin import methods
    from landsat_gapfill.plugin.algorithms import FillAlgorithm

    monkeypatch.setenv("LANDSAT_GAPFILL_WORKER", "inprocess")
    monkeypatch.setitem(sys.modules, "cv2", None)
    choices = {c.name: c for c in methods.method_choices()}
    assert choices["idw"].available
    telea = choices["telea"]
    assert not telea.available and "opencv" in telea.label and "-m pip install opencv" in \
        telea.reason
    alg = FillAlgorithm()
    alg.initAlgorithm({})
    out = tmp_path / "o.tif"
    with pytest.raises(QgsProcessingException, match="pip install opencv"):
        processing.run(alg, {"INPUT": str(ROOT / "tests/data/menindee_20100116_256.tif"),
                             "METHOD": "telea", "OUTPUT": str(out)})
    assert not out.exists()


CLASS_NAME = re.compile(r"\b\w*(Error|Exception)\b")


def test_running_on_names_the_device_or_says_in_words_why_not(plugin):
    """Asked of the real worker for every device choice: a device name, or the CPU with the
    reason CUDA cannot be used, never an exception's class name."""
    from landsat_gapfill.plugin import deps

    texts = {device: deps.running_on(True, device) for device in ("auto", "cpu", "cuda")}
    assert all(not CLASS_NAME.search(t) and "Traceback" not in t for t in texts.values()), texts
    assert texts["cpu"].startswith("CPU (") and texts["cpu"].endswith("threads)")
    if texts["auto"].startswith("CUDA ("):  # a machine whose PyTorch sees a GPU
        assert texts["cuda"] == texts["auto"]
        return
    reason = texts["auto"].split("; cuda unavailable: ", 1)
    assert texts["auto"].startswith("CPU (") and len(reason) == 2 and len(reason[1]) > 5, texts
    assert texts["cuda"].startswith("nowhere: cuda was asked for but is unavailable ("), texts


def test_worker_errors_are_reduced_to_their_message():
    from landsat_gapfill.plugin.deps import error_words

    traceback = ('Traceback (most recent call last):\n  File "<string>", line 1\n'
                 "engine.errors.InputError: device cuda was asked for but torch sees no GPU\n")
    assert error_words(traceback) == "device cuda was asked for but torch sees no GPU"
    assert error_words("RuntimeError\n") == "the engine's Python could not load PyTorch"
    assert error_words("") == "the engine's Python could not load PyTorch"
