"""The bundled resources (weights beside the engine, in the plugin folder) and the checksum
that pins every file we ship or fetch: one definition for the fill models, the water model
and the training-data fetcher."""
from __future__ import annotations

import hashlib
import os

RESOURCES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "resources")
WEIGHTS_DIR = os.path.join(RESOURCES_DIR, "weights")


def sha256_file(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks (weights and archives are large)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
