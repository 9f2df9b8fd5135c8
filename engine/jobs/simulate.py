"""Burn seeded, physically faithful SLC-off gaps into a clean raster (for evaluation/training)."""
from __future__ import annotations

import numpy as np

from engine.gaps.simulate import SlcOffGeometry, burn_gaps, simulate_slc_off_mask
from engine.io.gdal_env import gdal_cache
from engine.io import open_scene
from engine.io.scene import SceneProfile
from engine.io.writer import AtomicGeoTiff, check_output_path
from engine.jobs.outputs import main_layer, provenance_tags
from engine.tiling import SCAN_TILE_PX, walk_tiles


def gap_nodata(profile: SceneProfile) -> float:
    """Nodata value for burned gaps: the input's tag, else Landsat's 0 (integers) or NaN."""
    if profile.nodata is not None:
        return profile.nodata
    return float("nan") if np.issubdtype(np.dtype(profile.dtype), np.floating) else 0


def geometry_for(profile: SceneProfile) -> SlcOffGeometry:
    """The SLC-off geometry for a raster: its pixel size, latitude and grid rotation, which set the
    stripe tilt and period in pixels."""
    return SlcOffGeometry(pixel_size_m=profile.pixel_size_m,
                          latitude_deg=profile.center_latitude_deg,
                          grid_rotation_deg=profile.grid_rotation_deg)


@gdal_cache()
def simulate_file(clean_path: str, output_path: str, seed: int = 0,
                  progress=None, cancel=None) -> float:
    """Write `output_path` = clean raster with SLC-off gaps as nodata; returns the gap fraction."""
    with open_scene(clean_path) as scene:
        output_path = check_output_path(output_path, [clean_path] + scene.files)
        p = scene.profile
        nodata = gap_nodata(p)
        out_profile = p.with_changes(nodata=nodata)
        geometry = geometry_for(p)
        tags = provenance_tags(p, clean_path, simulated_slc_off_seed=seed)
        layer = AtomicGeoTiff(main_layer(output_path, out_profile, tags))
        gaps = 0
        try:
            for tile in walk_tiles(p.height, p.width, SCAN_TILE_PX, progress=progress,
                                   cancel=cancel):
                w = tile.core
                mask = simulate_slc_off_mask(
                    int(w.height), int(w.width), geometry, seed=seed, row_offset=int(w.row_off),
                    col_offset=int(w.col_off), scene_height=p.height, scene_width=p.width)
                layer.write(w, burn_gaps(scene.read(w), mask, nodata))
                gaps += int(mask.sum())
            layer.commit()
        except BaseException:
            layer.abort()
            raise
    return gaps / (p.width * p.height)
