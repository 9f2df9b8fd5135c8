"""Reading scenes (any GDAL raster, Landsat product folders, MTL files, tarballs) and writing
cloud-optimised GeoTIFFs atomically."""
from engine.io.open import open_scene, open_mask
from engine.io.scene import ArrayScene, Scene, SceneProfile

__all__ = ["open_scene", "open_mask", "Scene", "ArrayScene", "SceneProfile"]
