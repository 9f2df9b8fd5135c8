"""Layer helpers shared by algorithms and dialogs: which file a raster layer reads, the project's
file-based raster layers, and the default names of outputs."""
from __future__ import annotations

import functools
import os
from typing import Optional

from qgis.core import QgsProcessingException, QgsProviderRegistry, QgsRasterLayer


def layer_file_path(layer: Optional[QgsRasterLayer]) -> Optional[str]:
    """The local file behind a GDAL raster layer, or None (web services, memory, sublayers of
    containers the engine cannot address)."""
    if layer is None or not isinstance(layer, QgsRasterLayer) or not layer.isValid() \
            or layer.providerType() != "gdal":
        return None
    parts = QgsProviderRegistry.instance().decodeUri("gdal", layer.source())
    path = parts.get("path") or ""
    return path if os.path.isfile(path) else None


def local_file_path(layer, what: str) -> str:
    """`layer_file_path`, or a QgsProcessingException naming the layer (`what`: "date",
    "reference"): the engine reads files, so a web or memory layer must be saved first."""
    path = layer_file_path(layer)
    if path is None:
        raise QgsProcessingException(
            f"{what} {layer.name()!r} is not a raster layer read from a local file "
            "(GeoTIFF or any GDAL format); save it to a file first")
    return path


def is_engine_output(path: Optional[str]) -> bool:
    """True for a raster the engine wrote (fill, sidecar, water classes): its provenance tag."""
    if not path:
        return False
    try:
        return _engine_tag(path, os.path.getmtime(path))
    except OSError:
        return False


@functools.lru_cache(maxsize=256)
def _engine_tag(path: str, mtime: float) -> bool:
    from osgeo import gdal

    dataset = gdal.OpenEx(path, gdal.OF_RASTER)
    software = (dataset.GetMetadataItem("PROCESSING_SOFTWARE") or "") if dataset else ""
    return software.startswith("landsat-gapfill")


def file_raster_layers(project) -> list:
    """The project's raster layers read from local files, in layer panel order (top first)."""
    layers = [node.layer() for node in project.layerTreeRoot().findLayers()]
    return [layer for layer in layers if layer_file_path(layer) is not None]


def default_output_path(source_path: str, method: str) -> str:
    """`<stem>_filled_<method>.tif`, see `free_output_path`."""
    return free_output_path(source_path, f"filled_{method}")


def default_water_output_path(first_date_path: str) -> str:
    """`<first date stem>_water_classes.tif`, see `free_output_path`."""
    return free_output_path(first_date_path, "water_classes")


def free_output_path(source_path: str, suffix: str) -> str:
    """`<stem>_<suffix>.tif` next to the source, or in the home folder when the source folder is
    read-only; never an existing file (a `_2`, `_3`... suffix is added)."""
    folder, name = os.path.split(os.path.abspath(source_path))
    if not os.access(folder, os.W_OK):
        folder = os.path.expanduser("~")
    stem = f"{os.path.splitext(name)[0]}_{suffix}"
    candidate, n = os.path.join(folder, f"{stem}.tif"), 2
    while os.path.exists(candidate):
        candidate, n = os.path.join(folder, f"{stem}_{n}.tif"), n + 1
    return candidate
