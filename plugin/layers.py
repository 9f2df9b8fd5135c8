"""Layer helpers shared by algorithms and dialogs: which file a raster layer reads, and the
default name of a filled output."""
from __future__ import annotations

import os
from typing import Optional

from qgis.core import QgsProviderRegistry, QgsRasterLayer


def layer_file_path(layer: Optional[QgsRasterLayer]) -> Optional[str]:
    """The local file behind a GDAL raster layer, or None (web services, memory, sublayers of
    containers the engine cannot address)."""
    if layer is None or not layer.isValid() or layer.providerType() != "gdal":
        return None
    parts = QgsProviderRegistry.instance().decodeUri("gdal", layer.source())
    path = parts.get("path") or ""
    return path if os.path.isfile(path) else None


def default_output_path(source_path: str, method: str) -> str:
    """`<stem>_filled_<method>.tif` next to the source, or in the home folder when the source
    folder is read-only; never an existing file (a `_2`, `_3`... suffix is added)."""
    folder, name = os.path.split(os.path.abspath(source_path))
    if not os.access(folder, os.W_OK):
        folder = os.path.expanduser("~")
    stem = f"{os.path.splitext(name)[0]}_filled_{method}"
    candidate, n = os.path.join(folder, f"{stem}.tif"), 2
    while os.path.exists(candidate):
        candidate, n = os.path.join(folder, f"{stem}_{n}.tif"), n + 1
    return candidate
