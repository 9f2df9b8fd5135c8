"""Quick-look PNGs (before / after / truth) so a user sees at a glance what a fill did."""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from engine.errors import OutputError

GAP_COLOUR = (255, 0, 255)


def display_bands(band_names: Sequence[str]) -> list:
    """Indices of the bands to show as RGB: true colour if present, else a SWIR/NIR/red false
    colour (water dark blue, vegetation green), else the first three, else grey."""
    names = [n.lower() for n in band_names]

    def find(key):
        return next((i for i, n in enumerate(names) if key in n.split() or n.endswith(key)), None)

    for combo in (("red", "green", "blue"), ("swir1", "nir", "red")):
        idx = [find(k) for k in combo]
        if None not in idx:
            return idx
    return [0, 1, 2] if len(names) >= 3 else [0, 0, 0]


def to_rgb(data: np.ndarray, invalid: np.ndarray, bands: Sequence[int],
           limits: Sequence[tuple]) -> np.ndarray:
    """(h, w, 3) uint8 with a fixed 2-98 % stretch per band; invalid pixels in magenta."""
    rgb = np.zeros(data.shape[1:] + (3,), np.uint8)
    for i, (b, (lo, hi)) in enumerate(zip(bands, limits)):
        scaled = (data[b].astype(np.float64) - lo) / max(hi - lo, 1e-9)
        rgb[..., i] = np.clip(scaled * 255, 0, 255).astype(np.uint8)
    rgb[invalid[list(bands)].any(axis=0)] = GAP_COLOUR
    return rgb


def stretch_limits(data: np.ndarray, invalid: np.ndarray, bands: Sequence[int]) -> list:
    """Per band, the 2nd and 98th percentiles of the valid pixels: a display stretch computed once
    (from the input, or the truth) and applied to every panel, so before and after are comparable.
    (0, 1) for a band with no valid pixel."""
    limits = []
    for b in bands:
        valid = data[b][~invalid[b]]
        limits.append(tuple(np.percentile(valid, [2, 98])) if valid.size else (0.0, 1.0))
    return limits


def save_panels(path: str, panels: Sequence[tuple], max_width: int = 1800) -> None:
    """Write labelled images side by side: panels = [(title, rgb), ...]."""
    from PIL import Image, ImageDraw

    gap, top = 8, 22
    h = max(p[1].shape[0] for p in panels)
    w = sum(p[1].shape[1] for p in panels) + gap * (len(panels) - 1)
    canvas = Image.new("RGB", (w, h + top), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    x = 0
    for title, rgb in panels:
        canvas.paste(Image.fromarray(rgb), (x, top))
        draw.text((x + 4, 4), title, fill=(0, 0, 0))
        x += rgb.shape[1] + gap
    if w > max_width:
        canvas = canvas.resize((max_width, int((h + top) * max_width / w)))
    _save_atomically(canvas, path)


def check_image_path(path: str) -> None:
    """Refuse a device, pipe or folder as the image: writing next to it and renaming over it
    (as `_save_atomically` does) would replace a device node such as /dev/full."""
    if os.path.lexists(path) and not os.path.isfile(path):
        raise OutputError(f"image output {path} exists and is not a regular file; "
                          "give a new .png file name")


def _save_atomically(image, path: str) -> None:
    """A full disk or a size limit fails the write half-way: write under a hidden name in the
    same folder and rename only once the whole image is on disk, so no partial PNG remains."""
    from PIL import Image

    check_image_path(path)
    folder, name = os.path.split(os.path.abspath(path))
    partial = os.path.join(folder, f".{name}.partial-{os.getpid()}")
    kind = Image.registered_extensions().get(os.path.splitext(name)[1].lower(), "PNG")
    try:
        image.save(partial, format=kind)
        os.replace(partial, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:  # also on a cancel (KeyboardInterrupt) half-way through the write
        if os.path.exists(partial):
            os.remove(partial)


def before_after_png(path: str, before, after, band_names, titles=("before", "after")) -> None:
    """before/after: (data, invalid) pairs of decimated arrays of the same scene."""
    bands = display_bands(band_names)
    limits = stretch_limits(before[0], before[1], bands)
    panels = [(t, to_rgb(d, inv, bands, limits)) for t, (d, inv) in zip(titles, (before, after))]
    save_panels(path, panels)
