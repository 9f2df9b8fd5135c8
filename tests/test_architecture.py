"""The house rules that keep the engine usable on a server. The import layers themselves are
import-linter contracts (`.importlinter`, run by `lint-imports` in scripts/test.sh); here the
contracts are run too, so `pytest` alone cannot pass with them broken, and the engine is
imported for real with QGIS and Qt made unimportable, which static rules cannot prove."""
import os
import subprocess
import sys

from tests.helpers import ROOT

LINT_IMPORTS = os.path.join(os.path.dirname(sys.executable), "lint-imports")


def test_import_contracts_are_kept():
    result = subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_engine_runs_with_qgis_and_qt_unavailable():
    code = (
        "import sys\n"
        "for m in ('qgis', 'qgis.core', 'PyQt5', 'PyQt5.QtCore', 'processing'):\n"
        "    sys.modules[m] = None\n"
        "import engine.cli.main, engine.jobs.fill, engine.jobs.info\n"
        "from engine.methods import list_methods\n"
        "print(sorted(m.name for m in list_methods()))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert {"idw", "navier-stokes", "telea"} <= set(eval(result.stdout))
