"""Icons shipped as small SVGs in resources/icons/ (no compiled Qt resource file to rebuild)."""
import os

from qgis.PyQt.QtGui import QIcon

from .paths import PLUGIN_DIR

ICON_DIR = os.path.join(PLUGIN_DIR, "resources", "icons")


def icon(name: str) -> QIcon:
    """`icon("fill")` -> resources/icons/fill.svg."""
    return QIcon(os.path.join(ICON_DIR, f"{name}.svg"))
