"""How the engine's own processes use the C heap while they walk tiles (glibc only; on other C
libraries, macOS and Windows nothing changes).

Why: a neural fill allocates and frees the same few hundred MB of activations for every tile.
With glibc's defaults every block above 32 MB is a fresh mmap whose pages the kernel faults
in again on first touch (measured on the 56 Mpx benchmark scene: a fifth of the fill's CPU time
was spent in the kernel doing that), and each of torch's worker threads may grow an arena of
its own that is never given back. One arena, blocks up to 1 GiB taken from the heap and no
automatic trimming keep those activations in the heap, reused tile after tile, so peak memory
is one tile's working set; `release()` hands the heap back once a loop is done, before the
output conversion needs memory of its own.

Kept heap blocks fragment: tiles free their activations in another order than they took them,
and the gap count (the size of a fill's per-pixel rows) differs from tile to tile, so a later
tile's blocks may not fit the holes and the heap grows past one tile's needs (measured on a
4096 x 4096 x 6 scene: 1017 MB for `convcnp`, 1211 MB for `convlnp`). `release_above()` after a
tile hands the free pages back only once the process holds more than `HEAP_CEILING_MB`: below
it nothing is refaulted, above it the growth is cut (913 and 1113 MB there, same wall time for
`convcnp`; trimming after every tile instead cost 8 %).

Only the engine's command line (and its batch workers) call `keep_tile_buffers`: the settings
hold for the whole process, so a host application that runs the engine in its own process
(QGIS, in-process mode) keeps its allocator as it is.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys
from functools import lru_cache

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
HEAP_BLOCK_MAX = 1 << 30      # blocks up to this size come from the heap, not fresh mmaps
# above this resident size a tile loop hands the heap's free pages back after a tile: 300 MB
# below the 1.2 GB a fill may take, the most one tile of the networks adds (convlnp, 608 px)
HEAP_CEILING_MB = 900
_state = {"tuned": False}
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _glibc():
    """The C library if it is glibc (it has mallopt and malloc_trim), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    return libc


def keep_tile_buffers() -> bool:
    """Set the heap up for tile loops (once per process); True where it took effect."""
    libc = _glibc()
    if libc is None:
        return False
    if not _state["tuned"]:
        # each option on its own: an older glibc refuses an mmap threshold above 32 MiB
        # (HEAP_MAX_SIZE / 2), and a refused option must not leave the others unset
        def set_(option, value):
            return libc.mallopt(option, ctypes.c_int(value)) == 1

        arena = set_(M_ARENA_MAX, 1)
        mmap = set_(M_MMAP_THRESHOLD, HEAP_BLOCK_MAX) or set_(M_MMAP_THRESHOLD, 32 << 20)
        trim = set_(M_TRIM_THRESHOLD, HEAP_BLOCK_MAX)
        _state["tuned"] = arena and mmap and trim
        if not _state["tuned"]:
            log.debug("heap settings partly refused: arena %s, mmap threshold %s, trim %s",
                      arena, mmap, trim)
    return _state["tuned"]


def release() -> None:
    """Give the heap's free memory back to the system (after a tile loop)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(ctypes.c_size_t(0))


def resident_mb() -> float:
    """This process's resident set in MB (10^6 bytes), from /proc (0 where there is none)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * _page_size() / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


@lru_cache(maxsize=1)
def _page_size() -> int:
    return os.sysconf("SC_PAGE_SIZE")


def release_above(limit_mb: float = HEAP_CEILING_MB) -> bool:
    """After a tile: `release()` if the heap is kept (`keep_tile_buffers` took effect) and the
    process holds more than `limit_mb`; True if it did. A process with the default heap
    settings gives memory back by itself, so nothing is done there."""
    if not _state["tuned"] or resident_mb() <= limit_mb:
        return False
    release()
    return True
