"""The house rules that keep the engine usable on a server: it never imports QGIS or Qt, and
imports point one way (io/gaps <- methods/stats <- runner <- jobs <- cli)."""
import ast
import pathlib
import subprocess
import sys

import pytest

from tests.helpers import ROOT

ENGINE = pathlib.Path(ROOT) / "engine"
FORBIDDEN_EVERYWHERE = ("qgis", "PyQt5", "PyQt6", "processing", "plugin", "training")
# module prefix -> engine packages it must not import (they sit above it)
LAYERS = {
    "engine.io": ("engine.runner", "engine.jobs", "engine.cli", "engine.methods"),
    "engine.gaps": ("engine.runner", "engine.jobs", "engine.cli", "engine.methods"),
    "engine.methods": ("engine.runner", "engine.jobs", "engine.cli"),
    "engine.runner": ("engine.jobs", "engine.cli"),
    "engine.jobs": ("engine.cli",),
}


def imports_of(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    return ".".join(p for p in rel.parts if p != "__init__")


@pytest.mark.parametrize("path", sorted(ENGINE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_module_respects_the_layers(path):
    name = module_name(path)
    for imported in imports_of(path):
        assert imported.split(".")[0] not in FORBIDDEN_EVERYWHERE, f"{name} imports {imported}"
        for prefix, above in LAYERS.items():
            if name.startswith(prefix):
                assert not imported.startswith(above), f"{name} imports {imported}"


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
