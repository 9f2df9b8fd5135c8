"""The Install PyTorch button: a private environment for the engine, made with the real `venv`
and `pip` from QGIS's Python, in a temporary folder, installing a tiny package built here from
source with `--no-index` (no network, nothing downloaded, the repository's own environment
untouched). Success: the package imports in that environment's Python, which still sees the
system's numpy and rasterio, and the session's cached answers are dropped. Failure: one line
in the dialog, the message bar and the log tab, and no environment left behind."""
from __future__ import annotations

import subprocess
import sys

import pytest
from qgis.core import Qgis

from plugin_testing import wait_for

from engine.methods import MethodSpec, registry

PACKAGE = "gapfill-probe"


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    """A folder holding the wheel of a one-module package, built from a pyproject here."""
    src = tmp_path_factory.mktemp("probe_src")
    (src / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "{PACKAGE}"\nversion = "1.0"\n'
        '[tool.setuptools]\npy-modules = ["gapfill_probe"]\n')
    (src / "gapfill_probe.py").write_text("VALUE = 42\n")
    dist = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-index", "--no-build-isolation",
                    "--no-deps", "--quiet", "-w", str(dist), str(src)], check=True)
    assert list(dist.glob("gapfill_probe-1.0-*.whl"))
    return dist


@pytest.fixture
def dialog(plugin, qgis_iface, monkeypatch):
    """The Fill dialog where the engine's Python lacks PyTorch and a neural method is
    registered (the registry is the engine's; the fake entry is removed afterwards)."""
    monkeypatch.setenv("LANDSAT_GAPFILL_WORKER", "inprocess")
    monkeypatch.setitem(sys.modules, "torch", None)
    spec = MethodSpec(name="test-neural-install", title="Test neural", summary="needs torch",
                      halo_px=16, factory=lambda device: None, kind="neural", needs_torch=True)
    monkeypatch.setitem(registry._REGISTRY, spec.name, spec)
    from landsat_gapfill.plugin.gui.fill_dialog import FillDialog

    dlg = FillDialog(qgis_iface)
    yield dlg
    wait_for(lambda: dlg.install_task is None, what="the install task")
    dlg.deleteLater()


def _install(dialog, plan):
    dialog.start_install(plan)
    assert not dialog.install_button.isEnabled() and not dialog.run_button.isEnabled()
    wait_for(lambda: dialog.install_task is None, timeout_s=300, what="the install task")


def test_install_makes_a_private_environment_that_has_the_package(dialog, tmp_path,
                                                                 wheelhouse, qgis_iface):
    from landsat_gapfill.plugin import installer, log
    from landsat_gapfill.plugin.worker.python import can_run_engine, qgis_python

    assert dialog.install_button.isVisibleTo(dialog)  # where the dialog says PyTorch is missing
    venv = tmp_path / "plugin" / ".venv"
    plan = installer.plan_install([f"{PACKAGE}==1.0"], venv_dir=str(venv),
                                  pip_args=["--no-index", "--find-links", str(wheelhouse)])
    assert plan.creates and plan.commands[0] == (qgis_python(), "-m", "venv",
                                                 "--system-site-packages", plan.build_dir)
    can_run_engine(sys.executable)  # an answer this session keeps...
    assert can_run_engine.cache_info().currsize > 0
    _install(dialog, plan)

    assert dialog.status_label.text() == (f"PyTorch installed in {venv}; the engine uses it "
                                          "from now on"), dialog.status_label.text()
    assert can_run_engine.cache_info().currsize == 0  # ...is asked again after the install
    python = installer.venv_python(str(venv))
    done = subprocess.run([python, "-c", "import gapfill_probe, numpy, rasterio; "
                           "print(gapfill_probe.VALUE)"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "42", done.stderr
    assert not (tmp_path / "plugin" / ".venv.partial").exists()
    assert any("Successfully installed gapfill-probe-1.0" in line
               for line in log.recent_lines(40))  # pip's own lines reach the log tab
    assert any(str(venv) in m for m in qgis_iface.messageBar().get_messages(
        Qgis.MessageLevel.Success))


def test_a_failed_install_says_why_in_one_line_and_leaves_no_environment(dialog, tmp_path,
                                                                         qgis_iface):
    from landsat_gapfill.plugin import installer, log

    venv = tmp_path / "plugin" / ".venv"
    plan = installer.plan_install(["no-such-gapfill-package==1.0"], venv_dir=str(venv),
                                  pip_args=["--no-index"])
    _install(dialog, plan)

    message = dialog.status_label.text()
    assert message.startswith("PyTorch could not be installed: pip install failed: "), message
    assert "no-such-gapfill-package" in message and "\n" not in message
    assert "Traceback" not in message
    assert f"Landsat Gap Fill:{message}" in qgis_iface.messageBar().get_messages(
        Qgis.MessageLevel.Critical)
    assert f"[error] {message}" in log.recent_lines(40)
    assert not venv.exists() and not (tmp_path / "plugin" / ".venv.partial").exists()
    assert dialog.install_button.isEnabled() and dialog.run_button.isEnabled()


def test_the_command_to_paste_makes_the_environment_where_none_exists(tmp_path):
    """Debian's system Python refuses `pip install`: the command shown makes the plugin's
    environment from QGIS's Python first, then installs the pins there."""
    from landsat_gapfill.plugin import installer
    from landsat_gapfill.plugin.worker.python import qgis_python

    venv = tmp_path / ".venv"
    command = installer.shell_command(installer.plan_install(venv_dir=str(venv),
                                                             for_task=False))
    assert command == (f"{qgis_python()} -m venv --system-site-packages {venv} && "
                       f"{venv}/bin/python -m pip install torch==2.13.0 safetensors==0.5.3")
