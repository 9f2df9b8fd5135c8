"""Water seasonality from a few dates of (gap-filled) Landsat imagery.

Classes follow the Global Surface Water yearly coding: 0 no data, 1 not water, 2 seasonal water
(water on some valid dates), 3 permanent water (water on every valid date). A small learned
model (a temporal 3-D convolution followed by a U-Net, `engine.water.model`) sees only red, NIR
and SWIR1 reflectance, the bands every Landsat 7 product has.

Modules (imports point one way, torch only inside `model` and `weights`):

  classes     class codes, names, colours, and the per-date -> seasonality rule
  bands       which bands of a raster are red, NIR, SWIR1
  radiometry  pixel values -> reflectance (fixed factors per product type)
  predict     tiled classification with a halo
  output      the paletted class raster's layout and class areas

The pipeline (fill each date through the runner, align, classify, write) is a job:
`engine.jobs.water` and `engine.jobs.water_dates`; this package stays below the runner.
  model       the network (torch)
  weights     safetensors + JSON model card, checksum verified
"""
from engine.water.classes import CLASS_NAMES, NO_DATA, NOT_WATER, PERMANENT, SEASONAL

__all__ = ["CLASS_NAMES", "NO_DATA", "NOT_WATER", "SEASONAL", "PERMANENT"]
