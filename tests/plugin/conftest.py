"""Fixtures for the plugin tests, which run in the real QGIS 3.22 (pytest-qgis, offscreen).

The plugin is imported the way QGIS imports it: this repository's root `__init__.py` as a
package named after the plugin folder (`landsat_gapfill`), then `classFactory(iface)`."""
from __future__ import annotations

import pathlib
import shutil

import pytest
from qgis.PyQt.QtCore import QCoreApplication

from plugin_testing import SAMPLE, WATER_DATES, import_plugin_package


@pytest.fixture(scope="session")
def plugin(qgis_iface, qgis_processing):
    """The plugin, created by classFactory with pytest-qgis's iface and its GUI initialised."""
    instance = import_plugin_package().classFactory(qgis_iface)
    instance.initGui()
    yield instance
    instance.unload()
    QCoreApplication.processEvents()


@pytest.fixture
def sample(tmp_path) -> pathlib.Path:
    """A private copy of the real Menindee SLC-off sample (QGIS may write .aux.xml beside it)."""
    folder = tmp_path / "scene"
    folder.mkdir()
    return pathlib.Path(shutil.copy(SAMPLE, folder / SAMPLE.name))


@pytest.fixture(scope="session")
def water_dates(tmp_path_factory) -> list:
    """Private copies of the three real Menindee dates (January, February, May 2010), as str
    paths in date order; QGIS writes .aux.xml statistics beside rasters it opens."""
    folder = tmp_path_factory.mktemp("water_dates")
    return [str(shutil.copy(path, folder / path.name)) for path in WATER_DATES]
