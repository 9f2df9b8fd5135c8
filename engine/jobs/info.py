"""What is in a raster, and does it look like an SLC-off scene: `engine info` and the plugin's
gap percentage read this."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from rasterio.windows import Window

from engine.gaps.footprint import gap_halo_px, gap_share, scene_borders, tile_gaps
from engine.gaps.stripes import StripeStats, measure_stripes
from engine.io.gdal_env import gdal_cache
from engine.io import open_scene
from engine.io.scene import SceneProfile
from engine.tiling import SCAN_TILE_PX, walk_tiles

STRIPE_WINDOW_PX = 2048


@dataclass(frozen=True)
class SceneInfo:
    """What `describe_file` found: the profile, the gap share exactly as `fill` would report it, the
    footprint and nodata fractions, and the stripe statistics (None when there are no gaps inside
    the footprint)."""

    profile: SceneProfile
    gap_fraction: float        # of all band-pixels, as `fill` reports it (gap_share)
    footprint_fraction: float  # pixels inside the scene footprint
    nodata_fraction: float     # any band nodata, gaps and edge fill together
    stripes: Optional[StripeStats]


@gdal_cache()
def describe_file(path: str, progress=None, cancel=None) -> SceneInfo:
    """Scan a scene tile by tile with the runner's own gap detection, so the gap share shown before
    a fill is the one the fill will report; memory stays bounded on whole scenes. Nothing is
    written."""
    with open_scene(path) as scene:
        p = scene.profile
        gap = nodata = footprint = 0
        borders = scene_borders(scene)
        for tile in walk_tiles(p.height, p.width, SCAN_TILE_PX, gap_halo_px(p),
                               progress=progress, cancel=cancel):
            raw = scene.read(tile.outer)
            invalid = scene.invalid(tile.outer, raw)
            core = (slice(None),) + tile.core_in_outer
            band_gaps = tile_gaps(invalid, tile.outer, p, borders)[core]
            gaps = band_gaps.any(axis=0)
            bad = invalid[core].any(axis=0)
            gap += int(np.count_nonzero(band_gaps))
            nodata += int(bad.sum())
            footprint += int((~bad | gaps).sum())
        stripes = _stripes_at_centre(scene, borders)
    total = p.width * p.height
    return SceneInfo(p, gap_share(gap, total, p.count), footprint / total, nodata / total,
                     stripes)


def _stripes_at_centre(scene, borders) -> Optional[StripeStats]:
    """Stripe geometry needs full resolution (decimation aliases the stripes): measure it on a
    central window only."""
    p = scene.profile
    h, w = min(p.height, STRIPE_WINDOW_PX), min(p.width, STRIPE_WINDOW_PX)
    win = Window((p.width - w) // 2, (p.height - h) // 2, w, h)
    raw = scene.read(win)
    gaps = tile_gaps(scene.invalid(win, raw), win, p, borders).any(axis=0)
    if gaps.shape[0] < 2 * gap_halo_px(p) or not np.any(gaps):
        return None
    return measure_stripes(gaps, p.pixel_size_m)
