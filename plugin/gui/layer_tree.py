"""Where results appear: fills as a group right above the source layer holding the filled layer
(styled like the source) and its sidecars (hidden, so the filled layer is what one sees); water
classes as one layer right above the first date, with the class palette and names."""
from __future__ import annotations

from qgis.core import QgsLayerTreeLayer, QgsProject, QgsRasterLayer

from ..styling import (FILLED_MASK_QML, UNCERTAINTY_QML, WATER_CLASSES_QML, apply_qml,
                       apply_style, style_like)

SIDECARS = (("OUTPUT_FILLED_MASK", "filled pixels", FILLED_MASK_QML),
            ("OUTPUT_UNCERTAINTY", "uncertainty", UNCERTAINTY_QML))


def add_fill_results(source_id: str, results: dict, method: str, renderer,
                     name: str = "") -> list:
    """Add the fill outputs of `results` to the current project; return the new layers
    (the filled layer first). `name` names them when the source is no layer (a product)."""
    project = QgsProject.instance()
    source = project.mapLayer(source_id) if source_id else None
    name = source.name() if source is not None else name or "scene"
    filled = QgsRasterLayer(results["OUTPUT"], f"{name} filled ({method})", "gdal")
    style_like(filled, renderer)
    layers = [filled]
    for key, label, qml in SIDECARS:
        if results.get(key):
            sidecar = QgsRasterLayer(results[key], f"{name} {label} ({method})", "gdal")
            apply_style(sidecar, qml)
            layers.append(sidecar)
    parent, index = _position_of(project, source_id)
    group = parent.insertGroup(index, f"{name} filled ({method})")
    for i, layer in enumerate(layers):
        project.addMapLayer(layer, False)
        node = group.addLayer(layer)
        node.setItemVisibilityChecked(i == 0)
    return layers


def add_water_result(first_date_id: str, path: str, name: str) -> QgsRasterLayer:
    """Add the class raster at `path` right above the first date's layer, with the palette and
    class names of resources/styles/water_classes.qml."""
    project = QgsProject.instance()
    layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        raise RuntimeError(f"QGIS cannot read {path}")
    apply_qml(layer, WATER_CLASSES_QML)
    project.addMapLayer(layer, False)
    parent, index = _position_of(project, first_date_id)
    parent.insertLayer(index, layer)
    return layer


def _position_of(project, layer_id: str) -> tuple:
    """(parent node, index) of a layer in the layer tree; (root, 0) when it is not there."""
    root = project.layerTreeRoot()
    node = root.findLayer(layer_id)
    parent = node.parent() if node is not None else root
    for i, child in enumerate(parent.children()):
        if isinstance(child, QgsLayerTreeLayer) and child.layerId() == layer_id:
            return parent, i
    return parent, 0
