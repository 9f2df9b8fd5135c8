"""Inputs given as Landsat products (a `*_MTL.txt`, the product folder, or its .tar/.tar.gz):
the engine reads them as one scene, but QGIS cannot open them as one layer, so the algorithms
take them as a file parameter beside the layer parameter (and a product path given as the layer
value in scripts is taken as a product too, instead of failing as "not found")."""
from __future__ import annotations

import os
from typing import Optional

from qgis.core import (QgsProcessing, QgsProcessingException, QgsProcessingParameterFile,
                       QgsProcessingParameterMultipleLayers)

from .layers import layer_file_path, local_file_path

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


def products_parameter(name: str, description: str) -> QgsProcessingParameterMultipleLayers:
    """Optional list of Landsat products (file paths, in order) for multi-date algorithms."""
    param = QgsProcessingParameterMultipleLayers(name, description,
                                                 QgsProcessing.SourceType.TypeFile,
                                                 optional=True)
    param.setHelp("Landsat Collection products: *_MTL.txt files (the band files beside them "
                  "are read), product folders or .tar/.tar.gz files; they follow the layers, "
                  "in the order given.")
    return param


def without_products(parameters: dict, layers_name: str = "INPUTS") -> dict:
    """`parameters` with the product paths left out of the layer list, which QGIS would
    otherwise try to load as layers (and refuse)."""
    values = parameters.get(layers_name)
    if not isinstance(values, (list, tuple)):
        return parameters
    return dict(parameters, **{layers_name: [v for v in values if not is_product_path(v)]})


def date_paths(algorithm, parameters: dict, context, layers_name: str = "INPUTS",
               products_name: str = "PRODUCTS") -> list:
    """The dates' files in order: the layer list (where scripts may also put product paths),
    then the products; QgsProcessingException for a layer not read from a local file or a
    product that does not exist."""
    values = parameters.get(layers_name) or []
    if not isinstance(values, (list, tuple)):
        values = [values]
    paths = []
    for value in values:
        if is_product_path(value):
            paths.append(value)
            continue
        for layer in algorithm.parameterAsLayerList({layers_name: [value]}, layers_name,
                                                    context):
            paths.append(local_file_path(layer, "date"))
    products = parameters.get(products_name) or []
    for product in products if isinstance(products, (list, tuple)) else [products]:
        if not is_product_path(product):
            raise QgsProcessingException(f"not a Landsat product (*_MTL.txt, product folder "
                                         f"or .tar.gz): {product}")
        paths.append(product)
    return paths


def product_name(path: str) -> str:
    """A product's name for layers and output files: the MTL's, folder's or tarball's name
    without `_MTL.txt` or the archive suffix."""
    name = os.path.basename(os.path.normpath(path))
    for suffix in PRODUCT_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[:-len(suffix)]
    return name


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
