"""Inputs given as Landsat products (a `*_MTL.txt`, the product folder, or its .tar/.tar.gz):
the engine reads them as one scene, but QGIS cannot open them as one layer, so the algorithms
take them as a file parameter beside the layer parameter (and a product path given as the layer
value in scripts is taken as a product too, instead of failing as "not found")."""
from __future__ import annotations

import os
from typing import Optional

from qgis.core import QgsProcessingException, QgsProcessingParameterFile

from .layers import layer_file_path

PRODUCT_FILTER = "Landsat products (*_MTL.txt *.tar *.tar.gz *.tgz);;All files and folders (*)"
PRODUCT_SUFFIXES = ("_mtl.txt", ".tar", ".tar.gz", ".tgz")


def product_parameter(name: str, description: str) -> QgsProcessingParameterFile:
    """Optional file parameter for a Landsat product; a folder path typed in is accepted."""
    param = QgsProcessingParameterFile(name, description,
                                       behavior=QgsProcessingParameterFile.Behavior.File,
                                       fileFilter=PRODUCT_FILTER, optional=True)
    param.setHelp("A Landsat Collection product: its *_MTL.txt file (the band files beside it "
                  "are read), the folder holding it, or its .tar/.tar.gz. Instead of a layer.")
    return param


def is_product_path(value) -> bool:
    """True for an existing MTL file, product tarball or folder (what QGIS cannot load)."""
    if not isinstance(value, str) or not value:
        return False
    return os.path.isdir(value) or (os.path.isfile(value)
                                    and value.lower().endswith(PRODUCT_SUFFIXES))


def input_problem(parameters: dict, layer_name: str = "INPUT",
                  product_name: str = "PRODUCT") -> str:
    """Why the input parameters cannot work ("" when they may): none or both given."""
    given = [bool(parameters.get(name)) for name in (layer_name, product_name)]
    if all(given):
        return _both()
    if not any(given):
        return _none()
    return ""


def input_path(algorithm, parameters: dict, context, layer_name: str = "INPUT",
               product_name: str = "PRODUCT") -> tuple:
    """(path for the engine, the input layer or None) from a layer parameter and a product
    parameter, exactly one of which must be given; QgsProcessingException otherwise."""
    value = parameters.get(layer_name)
    product = algorithm.parameterAsFile(parameters, product_name, context) \
        if parameters.get(product_name) else ""
    if is_product_path(value):
        if product:
            raise QgsProcessingException(_both())
        return value, None
    layer = algorithm.parameterAsRasterLayer(parameters, layer_name, context) \
        if value not in (None, "") else None
    if product:
        if layer is not None:
            raise QgsProcessingException(_both())
        if not os.path.exists(product):
            raise QgsProcessingException(f"the Landsat product does not exist: {product}")
        return product, None
    if value in (None, ""):
        raise QgsProcessingException(_none())
    path: Optional[str] = layer_file_path(layer)
    if path is None:
        raise QgsProcessingException(
            "the input must be a raster layer read from a local file (GeoTIFF or any GDAL "
            "format), or a Landsat product (*_MTL.txt, folder or .tar.gz); save it to a file "
            "first")
    return path, layer


def _both() -> str:
    return "give either a raster layer or a Landsat product as the input, not both"


def _none() -> str:
    return "give the input: a raster layer, or a Landsat product (*_MTL.txt, folder or .tar.gz)"
