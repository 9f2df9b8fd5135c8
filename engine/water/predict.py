"""Tiled classification: windows with a halo of the network's receptive radius, so tiles give
exactly the whole-scene answer; memory depends on the tile size, not the scene."""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from rasterio.windows import Window

from engine.memory import release_above
from engine.tiling import DEFAULT_TILE_PX, walk_tiles
from engine.water.classes import NO_DATA

ReadFn = Callable[[Window], tuple]       # window -> (refl (T, 3, h, w), valid (T, h, w))
WriteFn = Callable[[Window, np.ndarray], None]
# >= the water network's receptive radius (about 25 px); a multiple of 4 keeps the U-Net's
# pooling grid aligned, so tiles give exactly the whole-scene answer.
RECEPTIVE_HALO_PX = 32
# the largest tile the network classifies at once, whatever the job's tile size: one 576 px
# window (512 + halo) of three dates took 375-450 MB of activations and put the water job's
# peak above 1.2 GB in some runs; 448 px windows take 0.6x that, for 7 % more convolution
# (more halo). The classes do not depend on the tile size (the halo covers the network).
CLASSIFY_TILE_PX = 384


def predict_tile(model, refl: np.ndarray, valid: np.ndarray, device: str = "cpu") -> np.ndarray:
    """Classes 0-3 (uint8, h x w) for one stack of dates: the network picks 1-3, pixels with no
    valid date are 0."""
    import torch

    with torch.inference_mode():
        r = torch.from_numpy(np.ascontiguousarray(refl, np.float32))[None].to(device)
        v = torch.from_numpy(np.ascontiguousarray(valid, bool))[None].to(device)
        logits = model(r, v)[0]
        classes = (logits.argmax(0) + 1).to(torch.uint8).cpu().numpy()
    classes[~valid.any(axis=0)] = NO_DATA
    return classes


def classify_tile_px(tile_px: int) -> int:
    """The tile size the network classifies with for a job's `tile_px` (progress counts it)."""
    return min(tile_px, CLASSIFY_TILE_PX)


def classify_windows(model, read: ReadFn, height: int, width: int, write: WriteFn, *,
                     device: str = "cpu", tile_px: int = DEFAULT_TILE_PX,
                     progress: Optional[Callable[[int, int], None]] = None,
                     cancel: Optional[Callable[[], bool]] = None,
                     on_valid: Optional[Callable[[np.ndarray], None]] = None) -> int:
    """Classify a height x width grid tile by tile; returns the number of tiles. `on_valid`
    receives each tile core's validity (dates, h, w), e.g. to count single-date pixels."""
    total = 0
    # one tile shape for the network (see iter_tiles): the heap reuses its blocks
    for tile in walk_tiles(height, width, classify_tile_px(tile_px), RECEPTIVE_HALO_PX,
                           progress=progress, cancel=cancel, full_outer=True):
        total += 1
        refl, valid = read(tile.outer)
        classes = predict_tile(model, refl, valid, device)
        write(tile.core, classes[tile.core_in_outer])
        release_above()   # bounds the heap's growth from fragmentation (engine.memory)
        if on_valid is not None:
            on_valid(valid[(slice(None),) + tile.core_in_outer])
    return total


def classify_arrays(model, refl: np.ndarray, valid: np.ndarray, *, device: str = "cpu",
                    tile_px: int = DEFAULT_TILE_PX) -> np.ndarray:
    """In-memory version (training, evaluation): refl (T, 3, H, W), valid (T, H, W)."""
    h, w = valid.shape[-2:]
    out = np.zeros((h, w), np.uint8)

    def read(win: Window):
        (r0, r1), (c0, c1) = win.toranges()
        return refl[:, :, r0:r1, c0:c1], valid[:, r0:r1, c0:c1]

    def write(win: Window, data: np.ndarray):
        (r0, r1), (c0, c1) = win.toranges()
        out[r0:r1, c0:c1] = data

    classify_windows(model, read, h, w, write, device=device, tile_px=tile_px)
    return out
