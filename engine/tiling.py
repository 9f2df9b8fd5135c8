"""Windows for every tile loop in the engine: each tile has a core (written to the output) and an
outer window (core plus halo, clipped to the scene) that the work sees, so no seam shows where
tiles meet. `walk_tiles` is the one loop the fill runner, the water classifier, the simulator,
`info` and the copies all use, so cancel and progress behave the same in every job. The tiler
yields windows only; reading, filling and stitching happen elsewhere."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from rasterio.windows import Window

from engine.errors import Cancelled, InputError

# Tile side in px: the default every verb and the plugin offer, and the bounds a user may give
# (below 64 px the halo dominates the work; above 8192 px one tile no longer fits in memory).
DEFAULT_TILE_PX = 512
MIN_TILE_PX = 64
MAX_TILE_PX = 8192
# Loops that only read, count or burn (info, simulate, copies) run no model: bigger tiles cost
# nothing there and halve the per-tile overhead.
SCAN_TILE_PX = 1024
CANCELLED = "cancelled by the user; no output was written"

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class Tile:
    """One tile: `core` is what the caller writes, `outer` (core plus halo, clipped to the scene) is
    what it reads and works on."""

    core: Window
    outer: Window

    @property
    def core_in_outer(self) -> tuple:
        """Slices that cut the core out of an array read for the outer window."""
        r0 = int(self.core.row_off - self.outer.row_off)
        c0 = int(self.core.col_off - self.outer.col_off)
        return (slice(r0, r0 + int(self.core.height)), slice(c0, c0 + int(self.core.width)))


def check_tile_size(tile_px: int) -> int:
    """The user's tile size, or an InputError saying what is allowed."""
    if not MIN_TILE_PX <= tile_px <= MAX_TILE_PX:
        raise InputError(f"tile size must be between {MIN_TILE_PX} and {MAX_TILE_PX} px, "
                         f"got {tile_px}")
    return tile_px


def iter_tiles(height: int, width: int, tile_px: int, halo_px: int,
               full_outer: bool = False) -> Iterator[Tile]:
    """Row-major tiles whose cores partition the height x width grid.

    `full_outer`: outer windows that the scene's edges would clip are extended inward instead,
    to the span of an inner tile (tile + 2 halo), where the scene is longer than that span.
    Networks want this: every tile then has (nearly) one shape, so the C heap reuses the same
    activation blocks tile after tile instead of fragmenting when the shape changes (measured:
    +590 MB from the first row of tiles to the second), and edge tiles get more real context.
    Extensions are whole multiples of the halo's alignment (`halo_px & -halo_px`, 16 for the
    neural halo), so pooling grids stay on the scene's grid."""
    if tile_px < 16:
        raise ValueError(f"tile size must be at least 16 px, got {tile_px}")
    span, align = tile_px + 2 * halo_px, (halo_px & -halo_px) or 1
    for r in range(0, height, tile_px):
        for c in range(0, width, tile_px):
            h, w = min(tile_px, height - r), min(tile_px, width - c)
            r0, c0 = max(0, r - halo_px), max(0, c - halo_px)
            r1, c1 = min(height, r + h + halo_px), min(width, c + w + halo_px)
            if full_outer:
                r0, r1 = _full_span(r0, r1, height, span, align)
                c0, c1 = _full_span(c0, c1, width, span, align)
            yield Tile(Window(c, r, w, h), Window(c0, r0, c1 - c0, r1 - r0))


def _full_span(o0: int, o1: int, size: int, span: int, align: int) -> tuple:
    """(o0, o1) grown inward toward `span` px: forward from the scene's start, backward by whole
    `align` steps from its end (never past `span`, so no tile outgrows an inner one)."""
    if size <= span or o1 - o0 >= span:
        return o0, o1
    if o0 == 0:
        return 0, min(size, span)
    return max(0, o0 - (span - (o1 - o0)) // align * align), o1


def tile_count(height: int, width: int, tile_px: int) -> int:
    """How many tiles `iter_tiles` yields for this size, for progress totals before the loop
    starts."""
    return -(-height // tile_px) * -(-width // tile_px)


def walk_tiles(height: int, width: int, tile_px: int, halo_px: int = 0, *,
               progress: Optional[ProgressFn] = None,
               cancel: Optional[CancelFn] = None, full_outer: bool = False) -> Iterator[Tile]:
    """`iter_tiles` with the job's cancel check before each tile and its progress after it.

    Cancel raises `Cancelled` (the writers then remove their partial files); progress is
    reported as (tiles done, tiles in all) once the caller's loop body for a tile has finished,
    so a bar reaches 100 % only when the last tile is really written."""
    total = tile_count(height, width, tile_px)
    for done, tile in enumerate(iter_tiles(height, width, tile_px, halo_px, full_outer),
                                start=1):
        if cancel is not None and cancel():
            raise Cancelled(CANCELLED)
        yield tile
        if progress is not None:
            progress(done, total)
