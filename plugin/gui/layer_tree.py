"""Where results appear: a group right above the source layer holding the filled layer (styled
like the source) and its sidecars (hidden, so the filled layer is what one sees)."""
from __future__ import annotations

from qgis.core import QgsLayerTreeLayer, QgsProject, QgsRasterLayer

from ..styling import FILLED_MASK_QML, apply_qml, style_like

SIDECARS = (("OUTPUT_FILLED_MASK", "filled pixels", FILLED_MASK_QML),
            ("OUTPUT_UNCERTAINTY", "uncertainty", ""))


def add_fill_results(source_id: str, results: dict, method: str, renderer) -> list:
    """Add the fill outputs of `results` to the current project; return the new layers
    (the filled layer first)."""
    project = QgsProject.instance()
    source = project.mapLayer(source_id)
    name = source.name() if source is not None else "scene"
    filled = QgsRasterLayer(results["OUTPUT"], f"{name} filled ({method})", "gdal")
    style_like(filled, renderer)
    layers = [filled]
    for key, label, qml in SIDECARS:
        if results.get(key):
            sidecar = QgsRasterLayer(results[key], f"{name} {label} ({method})", "gdal")
            if qml:
                apply_qml(sidecar, qml)
            layers.append(sidecar)
    group = _group_above(project, source_id, f"{name} filled ({method})")
    for i, layer in enumerate(layers):
        project.addMapLayer(layer, False)
        node = group.addLayer(layer)
        node.setItemVisibilityChecked(i == 0)
    return layers


def _group_above(project, source_id: str, title: str):
    root = project.layerTreeRoot()
    node = root.findLayer(source_id)
    parent = node.parent() if node is not None else root
    index = 0
    for i, child in enumerate(parent.children()):
        if isinstance(child, QgsLayerTreeLayer) and child.layerId() == source_id:
            index = i
            break
    return parent.insertGroup(index, title)
