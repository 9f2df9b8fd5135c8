"""Windows for the tiled runner: each tile has a core (written to the output) and an outer
window (core plus halo, clipped to the scene) that the method sees, so no seam shows where
tiles meet. The tiler yields windows only; reading, filling and stitching happen elsewhere."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from rasterio.windows import Window


@dataclass(frozen=True)
class Tile:
    core: Window
    outer: Window

    @property
    def core_in_outer(self) -> tuple:
        """Slices that cut the core out of an array read for the outer window."""
        r0 = int(self.core.row_off - self.outer.row_off)
        c0 = int(self.core.col_off - self.outer.col_off)
        return (slice(r0, r0 + int(self.core.height)), slice(c0, c0 + int(self.core.width)))


def iter_tiles(height: int, width: int, tile_px: int, halo_px: int) -> Iterator[Tile]:
    if tile_px < 16:
        raise ValueError(f"tile size must be at least 16 px, got {tile_px}")
    for r in range(0, height, tile_px):
        for c in range(0, width, tile_px):
            h, w = min(tile_px, height - r), min(tile_px, width - c)
            r0, c0 = max(0, r - halo_px), max(0, c - halo_px)
            r1, c1 = min(height, r + h + halo_px), min(width, c + w + halo_px)
            yield Tile(Window(c, r, w, h), Window(c0, r0, c1 - c0, r1 - r0))


def tile_count(height: int, width: int, tile_px: int) -> int:
    return -(-height // tile_px) * -(-width // tile_px)
