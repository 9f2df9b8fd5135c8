"""Headless Landsat 7 SLC-off gap-filling engine.

The engine never imports QGIS or Qt: the plugin, the CLI and the training scripts all sit on top
of it, so anything it does can be run and tested on a server.
"""
import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
