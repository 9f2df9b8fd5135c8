"""Where the plugin folder is, in a module that imports nothing else: the icons and styles need
it without pulling in the worker (and through it the engine's raster I/O)."""
import os

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
