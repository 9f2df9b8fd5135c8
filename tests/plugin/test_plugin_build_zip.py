"""scripts/build_zip.py makes an uploadable plugin zip: one `landsat_gapfill/` folder with the
engine, the plugin and resources, and none of tests/, training/, caches or compiled files."""
from __future__ import annotations

import subprocess
import sys
import zipfile

from plugin_testing import ROOT


def test_build_zip(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_zip.py"),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (target,) = tmp_path.glob("landsat_gapfill-*.zip")
    assert target.name == "landsat_gapfill-0.1.0.zip" and " MB" in done.stdout
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        licence = zf.read("landsat_gapfill/LICENSE").decode("utf-8")
    # the licence metadata.txt states (GPL-3.0-or-later), in full
    assert "GNU GENERAL PUBLIC LICENSE" in licence and "Version 3, 29 June 2007" in licence
    for required in ("__init__.py", "metadata.txt", "plugin/main.py", "plugin/provider.py",
                     "engine/__init__.py", "resources/icons/icon.svg",
                     "resources/styles/filled_mask.qml", "resources/styles/water_classes.qml",
                     "resources/icons/water.svg", "plugin/worker/water.py",
                     "plugin/worker/evaluate.py", "plugin/paths.py", "plugin/worker/fill_stack.py",
                     "plugin/worker/capabilities.py", "plugin/products.py"):
        assert f"landsat_gapfill/{required}" in names, required
    tops = {n.split("/")[1] for n in names}
    assert not tops & {"tests", "training", ".venv", "out", "dist"}
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in names)
