"""QGIS front end of the gap-filling engine: Processing provider and algorithms (loadable in
`qgis_process`, no `iface`, no widgets), the worker that runs the engine out of process, and the
dialogs under `gui/` (imported only by `main.GapFillPlugin.initGui`)."""
