"""Widget helpers kept out of the dialog class: method list entries and the gap sentence."""
from __future__ import annotations

from qgis.PyQt.QtCore import Qt


def populate_methods(combo, choices, selected: str) -> None:
    """One entry per registered method; those that cannot run here are shown but disabled,
    with the reason (and the install command) as tooltip."""
    combo.clear()
    for c in choices:
        combo.addItem(c.label, c.name)
        index = combo.count() - 1
        combo.setItemData(index, c.reason or c.spec.summary, Qt.ItemDataRole.ToolTipRole)
        if not c.available:
            combo.model().item(index).setEnabled(False)
    combo.setCurrentIndex(max(0, combo.findData(selected)))


def gap_text(info, error) -> str:
    """"Gaps: 11.8 % of the raster (12.0 % of the footprint)" from engine.jobs.info's answer."""
    if error is not None or info is None:
        return f"Gaps: cannot measure ({error})"
    share = 100 * info.gap_fraction / max(info.footprint_fraction, 1e-9)
    text = f"Gaps: {100 * info.gap_fraction:.1f} % of the raster ({share:.1f} % of the footprint)"
    if info.gap_fraction == 0:
        text += " — nothing to fill"
    return text
