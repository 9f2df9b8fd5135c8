"""Naming and describing output layers, so every job writes the same tags and sidecar names."""
from __future__ import annotations

import os

import engine
from engine.io.scene import SceneProfile
from engine.io.writer import LayerSpec


def sidecar_path(output: str, suffix: str) -> str:
    """`<stem>_<suffix><ext>` beside the output (`.tif` when it has no extension), the names users
    and the plugin look for."""
    stem, ext = os.path.splitext(output)
    return f"{stem}_{suffix}{ext or '.tif'}"


def provenance_tags(profile: SceneProfile, source: str, **extra) -> dict:
    """The input's own dataset tags plus the engine version, the source file name and any `extra`
    tags (upper-cased), so an output says how it was made."""
    tags = dict(profile.tags)
    tags.update({"PROCESSING_SOFTWARE": f"landsat-gapfill engine {engine.__version__}",
                 "SOURCE_FILE": os.path.basename(os.path.normpath(source))})
    tags.update({k.upper(): v for k, v in extra.items()})
    return tags


def main_layer(path: str, profile: SceneProfile, tags: dict) -> LayerSpec:
    """The main output on the input's profile, with the input's band descriptions."""
    return LayerSpec(path, profile, tags, profile.band_names)


def mask_layer(path: str, profile: SceneProfile, tags: dict, description: str) -> LayerSpec:
    """A single-band uint8 sidecar on the input's grid (no nodata, no band metadata of the input)
    with one band description."""
    return LayerSpec(path, profile.with_changes(count=1, dtype="uint8", nodata=None,
                                                band_meta=()), tags, (description,))


def float_layer(path: str, profile: SceneProfile, tags: dict) -> LayerSpec:
    """Std in input units: the input's scale would apply, its offset would not, so the
    sidecar carries no band metadata rather than half-right metadata."""
    names = tuple(f"{n} std" for n in profile.band_names)
    # NaN marks the pixels that were not filled (nothing was predicted there)
    return LayerSpec(path, profile.with_changes(dtype="float32", nodata=float("nan"),
                                                band_meta=()), tags, names)
