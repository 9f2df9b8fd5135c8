"""Make outputs look like their source, so a filled scene can be compared with the original by
toggling layers: the source's renderer (band mapping and stretch) is cloned onto the output.
Sidecars get shipped styles from resources/styles/.

Used by the Processing algorithm (as a layer post-processor, for toolbox and model runs) and by
the dialog (directly), so both paths style results the same way."""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Optional

from qgis.core import (QgsColorRampShader, QgsProcessingLayerPostProcessorInterface, QgsProject,
                       QgsRasterBandStats, QgsRasterLayer, QgsRasterRenderer, QgsRasterShader,
                       QgsSingleBandPseudoColorRenderer, QgsStyle)

from .paths import PLUGIN_DIR

STYLE_DIR = os.path.join(PLUGIN_DIR, "resources", "styles")
FILLED_MASK_QML = os.path.join(STYLE_DIR, "filled_mask.qml")
WATER_CLASSES_QML = os.path.join(STYLE_DIR, "water_classes.qml")  # palette + class names
UNCERTAINTY_QML = "uncertainty"  # not a file: a ramp over the layer's own range, see below
UNCERTAINTY_RAMP = "Magma"
RANK = "landsat_gapfill/rank"    # layer tree custom properties of placed results
GROUP = "landsat_gapfill/group"
_groups = itertools.count(1)


def style_uncertainty(layer: QgsRasterLayer) -> bool:
    """Band 1's predicted std as a colour ramp from its minimum to its maximum (bright where
    the fill is least certain); outside the gaps the sidecar is no data, hence transparent."""
    if not layer.isValid():
        return False
    stats = layer.dataProvider().bandStatistics(1, QgsRasterBandStats.Stats.Min |
                                                QgsRasterBandStats.Stats.Max)
    low, high = stats.minimumValue, max(stats.maximumValue, stats.minimumValue + 1e-6)
    ramp = QgsStyle.defaultStyle().colorRamp(UNCERTAINTY_RAMP)
    shader_function = QgsColorRampShader(low, high, ramp)
    shader_function.classifyColorRamp(5, 1)
    shader = QgsRasterShader(low, high)
    shader.setRasterShaderFunction(shader_function)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    layer.setRenderer(renderer)
    layer.triggerRepaint()
    return True


def apply_style(layer: QgsRasterLayer, style: str) -> bool:
    """A shipped QML file, or UNCERTAINTY_QML for the uncertainty ramp."""
    if style == UNCERTAINTY_QML:
        return style_uncertainty(layer)
    return apply_qml(layer, style)


@dataclass(frozen=True)
class Placement:
    """Where one loaded result goes: into the run's group (created right above the source
    layer, or at the top), at its rank among the group's results, visible or not."""
    group_name: str
    group_token: int
    anchor_id: str
    rank: int = 0
    visible: bool = True

    def place(self, layer, project) -> None:
        root = project.layerTreeRoot()
        node = root.findLayer(layer.id())
        if node is None:
            return
        group = self._group(root)
        index = sum(1 for child in group.children()
                    if int(child.customProperty(RANK, 0) or 0) < self.rank)
        clone = node.clone()
        clone.setCustomProperty(RANK, self.rank)
        clone.setItemVisibilityChecked(self.visible)
        group.insertChildNode(index, clone)  # before removing: the layer stays in the project
        node.parent().removeChildNode(node)

    def _group(self, root):
        for group in root.findGroups(True):
            if group.customProperty(GROUP) == str(self.group_token):
                return group
        anchor = root.findLayer(self.anchor_id) if self.anchor_id else None
        parent = anchor.parent() if anchor is not None else root
        index = parent.children().index(anchor) if anchor is not None else 0
        group = parent.insertGroup(index, self.group_name)
        group.setCustomProperty(GROUP, str(self.group_token))
        return group


class GroupPlacement:
    """One group per run: `at(rank)` gives each of its layers its Placement."""

    def __init__(self, group_name: str, anchor_id: str = ""):
        self.group_name, self.anchor_id, self.token = group_name, anchor_id, next(_groups)

    def at(self, rank: int, visible: bool = True) -> Placement:
        return Placement(self.group_name, self.token, self.anchor_id, rank, visible)


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

    def __init__(self, renderer: Optional[QgsRasterRenderer] = None, qml_path: str = "",
                 placement: Optional[Placement] = None):
        super().__init__()
        self.renderer = renderer.clone() if renderer is not None else None
        self.qml_path = qml_path
        self.placement = placement

    @classmethod
    def create(cls, renderer: Optional[QgsRasterRenderer] = None, qml_path: str = "",
               placement: Optional[Placement] = None) -> "LayerStyler":
        styler = cls(renderer, qml_path, placement)
        cls._alive.add(styler)
        return styler

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802  (QGIS API)
        if isinstance(layer, QgsRasterLayer):
            if self.qml_path:
                apply_style(layer, self.qml_path)
            else:
                style_like(layer, self.renderer)
            if self.placement is not None:
                self.placement.place(layer, context.project() or QgsProject.instance())
