"""The tile walker every loop uses: cores partition the raster exactly once, halos stay inside it
and are as wide as the scene allows, cancel stops before any work, progress counts every tile."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import Cancelled, InputError
from engine.tiling import (MAX_TILE_PX, MIN_TILE_PX, check_tile_size, iter_tiles, tile_count,
                           walk_tiles)

sizes = st.integers(min_value=1, max_value=700)
tiles = st.integers(min_value=16, max_value=300)
halos = st.integers(min_value=0, max_value=120)


@settings(max_examples=200, deadline=None)
@given(height=sizes, width=sizes, tile_px=tiles, halo_px=halos)
def test_cores_partition_the_raster_and_halos_stay_inside(height, width, tile_px, halo_px):
    covered = np.zeros((height, width), np.int32)
    n = 0
    for tile in iter_tiles(height, width, tile_px, halo_px):
        n += 1
        (r0, r1), (c0, c1) = tile.core.toranges()
        (o_r0, o_r1), (o_c0, o_c1) = tile.outer.toranges()
        assert 0 < r1 - r0 <= tile_px and 0 < c1 - c0 <= tile_px
        covered[r0:r1, c0:c1] += 1
        # the outer window holds the core, stays inside the raster, and reaches halo_px beyond
        # the core wherever the raster goes that far
        assert 0 <= o_r0 <= r0 and r1 <= o_r1 <= height
        assert 0 <= o_c0 <= c0 and c1 <= o_c1 <= width
        assert o_r0 == max(0, r0 - halo_px) and o_r1 == min(height, r1 + halo_px)
        assert o_c0 == max(0, c0 - halo_px) and o_c1 == min(width, c1 + halo_px)
        # the core cut out of an outer read is exactly the core
        rows, cols = tile.core_in_outer
        outer = np.arange(height * width).reshape(height, width)[o_r0:o_r1, o_c0:o_c1]
        np.testing.assert_array_equal(outer[rows, cols],
                                      np.arange(height * width).reshape(height, width)
                                      [r0:r1, c0:c1])
    assert (covered == 1).all()
    assert n == tile_count(height, width, tile_px)


@settings(max_examples=50, deadline=None)
@given(height=sizes, width=sizes, tile_px=tiles)
def test_progress_counts_every_tile_after_its_work(height, width, tile_px):
    events, done_work = [], []
    for tile in walk_tiles(height, width, tile_px, 8, progress=lambda d, t: events.append(
            (d, t, len(done_work)))):
        done_work.append(tile)
    total = tile_count(height, width, tile_px)
    # one event per tile, in order, each after that tile's loop body ran
    assert events == [(i, total, i) for i in range(1, total + 1)]


def test_cancel_stops_before_the_next_tile():
    seen = []
    calls = iter([False, False, True])
    with pytest.raises(Cancelled, match="no output was written"):
        for tile in walk_tiles(100, 100, 32, 0, cancel=lambda: next(calls)):
            seen.append(tile)
    assert len(seen) == 2


@pytest.mark.parametrize("tile_px", [MIN_TILE_PX - 1, MAX_TILE_PX + 1, 0, -512])
def test_tile_sizes_out_of_bounds_are_refused(tile_px):
    with pytest.raises(InputError, match=f"between {MIN_TILE_PX} and {MAX_TILE_PX}"):
        check_tile_size(tile_px)
    assert check_tile_size(MIN_TILE_PX) == MIN_TILE_PX
