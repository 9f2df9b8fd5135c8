"""Shared fixtures. QGIS (loaded by pytest-qgis for the plugin tests) needs an offscreen Qt
platform when there is no display; set it before any plugin initialises Qt."""
import os
import pathlib

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

DATA = pathlib.Path(__file__).parent / "data"
ROOT = pathlib.Path(__file__).parent.parent


@pytest.fixture
def data_dir() -> pathlib.Path:
    return DATA
