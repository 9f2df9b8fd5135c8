"""QGIS entry point of the Landsat 7 Gap Fill plugin (this folder is the plugin folder).

The engine package uses absolute imports (`import engine...`) so that it also runs as
`python -m engine` on a server; QGIS imports this folder as a package named after it
(`landsat_gapfill`), so the folder itself must be on `sys.path` before the plugin touches the
engine. Nothing heavy (numpy, rasterio, torch) is imported here: QGIS imports every enabled
plugin at start-up.
"""
import os
import sys

PLUGIN_DIR = os.path.dirname(os.path.abspath(__file__))


def _make_engine_importable() -> None:
    if PLUGIN_DIR not in sys.path:
        sys.path.insert(0, PLUGIN_DIR)


def classFactory(iface):  # noqa: N802  (name required by QGIS)
    """Called by QGIS (and by qgis_process with iface=None) to create the plugin instance."""
    _make_engine_importable()
    from .plugin.main import GapFillPlugin

    return GapFillPlugin(iface)
