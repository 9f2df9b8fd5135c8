"""The text behind "Copy diagnostics": versions, device, worker and the last log lines, so a bug
report carries what is needed to reproduce it without a round of questions."""
from __future__ import annotations

import configparser
import importlib.metadata
import os
import platform
import sys

from qgis.core import Qgis
from qgis.PyQt.QtCore import PYQT_VERSION_STR, QT_VERSION_STR

from .deps import running_on, torch_available
from .log import recent_lines
from .worker import worker_mode
from .paths import PLUGIN_DIR

# distribution names, first installed one wins
PACKAGES = (("numpy",), ("rasterio",), ("opencv-python-headless", "opencv-python"), ("torch",))


def plugin_version() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(PLUGIN_DIR, "metadata.txt"), encoding="utf-8")
    return parser.get("general", "version", fallback="unknown")


def package_version(names) -> str:
    for name in names:
        try:
            return f"{name} {importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return f"{names[0]} not installed"


def diagnostics_text(log_lines: int = 20) -> str:
    import engine
    from osgeo import gdal

    mode, python = worker_mode()
    lines = [
        f"Landsat 7 Gap Fill {plugin_version()} (engine {engine.__version__}) in {PLUGIN_DIR}",
        f"QGIS {Qgis.version()}; Qt {QT_VERSION_STR}; PyQt {PYQT_VERSION_STR}; "
        f"GDAL {gdal.__version__}",
        f"Python {platform.python_version()} ({sys.executable}); {platform.platform()}",
        "Packages: " + "; ".join(package_version(n) for n in PACKAGES),
        f"Worker: {mode}" + (f" ({python})" if python else ""),
        f"Running on: {running_on(False)} for classical methods"
        + ("" if torch_available() else "; PyTorch not installed for QGIS's Python"),
        "Recent log lines:",
    ]
    return "\n".join(lines + [f"  {line}" for line in recent_lines(log_lines)])
