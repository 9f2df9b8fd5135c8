"""The bundled resources (weights beside the engine, in the plugin folder) and the checksum
that pins every file we ship or fetch: one definition for the fill models, the water model
and the training-data fetcher."""
from __future__ import annotations

import hashlib
import os

from engine.errors import InputError

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


def verify_sha256(path: str, expected: str, what: str) -> str:
    """`path` if its sha256 is `expected`; else a one-line InputError saying it is damaged."""
    if not os.path.isfile(path):
        raise InputError(f"{what} weights file {path} is missing")
    digest = sha256_file(path)
    if digest != expected:
        raise InputError(f"{what} weights file {path} fails its checksum: sha256 {digest[:12]}... "
                         f"does not match its card ({str(expected)[:12]}...); the file is damaged "
                         "or belongs to another card: reinstall it")
    return path
