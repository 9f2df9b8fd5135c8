"""Make outputs look like their source, so a filled scene can be compared with the original by
toggling layers: the source's renderer (band mapping and stretch) is cloned onto the output.
Sidecars get shipped styles from resources/styles/.

Used by the Processing algorithm (as a layer post-processor, for toolbox and model runs) and by
the dialog (directly), so both paths style results the same way."""
from __future__ import annotations

import os
from typing import Optional

from qgis.core import (QgsProcessingLayerPostProcessorInterface, QgsRasterLayer,
                       QgsRasterRenderer)

from .paths import PLUGIN_DIR

STYLE_DIR = os.path.join(PLUGIN_DIR, "resources", "styles")
FILLED_MASK_QML = os.path.join(STYLE_DIR, "filled_mask.qml")
WATER_CLASSES_QML = os.path.join(STYLE_DIR, "water_classes.qml")  # palette + class names


def style_like(layer: QgsRasterLayer, renderer: Optional[QgsRasterRenderer]) -> bool:
    """Give `layer` a copy of `renderer` when the band count allows it; True if applied."""
    if renderer is None or not layer.isValid():
        return False
    wanted = max((b for b in renderer.usesBands()), default=1)
    if wanted > layer.bandCount():
        return False
    layer.setRenderer(renderer.clone())
    layer.triggerRepaint()
    return True


def apply_qml(layer: QgsRasterLayer, qml_path: str) -> bool:
    if not os.path.isfile(qml_path):
        return False
    _, ok = layer.loadNamedStyle(qml_path)
    layer.triggerRepaint()
    return bool(ok)


class LayerStyler(QgsProcessingLayerPostProcessorInterface):
    """Processing post-processor: runs in the main thread when Processing loads an output."""

    _alive: set = set()  # Processing keeps only a C++ pointer; keep the Python object alive

    def __init__(self, renderer: Optional[QgsRasterRenderer] = None, qml_path: str = ""):
        super().__init__()
        self.renderer = renderer.clone() if renderer is not None else None
        self.qml_path = qml_path

    @classmethod
    def create(cls, renderer: Optional[QgsRasterRenderer] = None,
               qml_path: str = "") -> "LayerStyler":
        styler = cls(renderer, qml_path)
        cls._alive.add(styler)
        return styler

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802  (QGIS API)
        if isinstance(layer, QgsRasterLayer):
            if self.qml_path:
                apply_qml(layer, self.qml_path)
            else:
                style_like(layer, self.renderer)
