"""The plugin object QGIS creates through `classFactory`.

`initProcessing` registers the provider (all that `qgis_process` calls); `initGui` adds the
actions. Actions are declared in `_ACTIONS`: adding a tool is one entry there plus its dialog
module under gui/. GUI modules are imported lazily, so loading the plugin in qgis_process never
touches widgets."""
from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtWidgets import QAction

from .icons import icon
from .provider import GapFillProvider

MENU = "Landsat 7 Gap Fill"
# (object name, text, icon, method of GapFillPlugin called on trigger)
_ACTIONS = (
    ("landsatGapFillFillScanlines", "Fill scanlines…", "fill", "show_fill_dialog"),
    ("landsatGapFillWaterClasses", "Water classes…", "water", "show_water_dialog"),
)


class GapFillPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.actions: dict = {}
        self.toolbar = None
        self.fill_dialog = None
        self.water_dialog = None

    def initProcessing(self):  # noqa: N802  (QGIS API)
        if self.provider is None:
            self.provider = GapFillProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802  (QGIS API)
        self.initProcessing()
        self.toolbar = self.iface.addToolBar(MENU)
        self.toolbar.setObjectName("LandsatGapFillToolbar")
        for object_name, text, icon_name, slot in _ACTIONS:
            action = QAction(icon(icon_name), text, self.iface.mainWindow())
            action.setObjectName(object_name)
            action.triggered.connect(getattr(self, slot))
            self.toolbar.addAction(action)
            self.iface.addPluginToRasterMenu(MENU, action)
            self.actions[object_name] = action

    def unload(self):
        for action in self.actions.values():
            self.iface.removePluginRasterMenu(MENU, action)
        self.actions.clear()
        if self.toolbar is not None:
            self.toolbar.deleteLater()
            self.toolbar = None
        for attribute in ("fill_dialog", "water_dialog"):
            dialog = getattr(self, attribute)
            if dialog is not None:
                dialog.shutdown()
                dialog.deleteLater()
                setattr(self, attribute, None)
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None

    @property
    def fill_action(self) -> QAction:
        return self.actions["landsatGapFillFillScanlines"]

    @property
    def water_action(self) -> QAction:
        return self.actions["landsatGapFillWaterClasses"]

    def show_fill_dialog(self):
        """Open (or raise) the Fill scanlines dialog with the active layer preselected."""
        from .gui.fill_dialog import FillDialog

        if self.fill_dialog is None:
            self.fill_dialog = FillDialog(self.iface, parent=self.iface.mainWindow())
        self.fill_dialog.select_layer(self.iface.activeLayer())
        self._raise(self.fill_dialog)

    def show_water_dialog(self):
        """Open (or raise) the Water classes dialog; the active layer is ticked as a date."""
        from .gui.water_dialog import WaterDialog

        if self.water_dialog is None:
            self.water_dialog = WaterDialog(self.iface, parent=self.iface.mainWindow())
        self.water_dialog.refresh_layers(check=[self.iface.activeLayer()])
        self._raise(self.water_dialog)

    @staticmethod
    def _raise(dialog) -> None:
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
