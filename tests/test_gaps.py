"""Gap detection: nodata inside the footprint is a gap, edge fill is not, clean data has none."""
import numpy as np
from rasterio.windows import Window

from engine.gaps.footprint import gaps_in_footprint, scene_borders, tile_gaps
from engine.io import open_scene


def test_runs_bounded_by_valid_pixels_are_gaps_and_open_runs_are_not():
    column = np.array([1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0], bool)[:, None]
    gaps = gaps_in_footprint(column, max_run_px=3)[:, 0]
    expected = np.array([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], bool)
    np.testing.assert_array_equal(gaps, expected)  # the 4-long run exceeds max_run_px=3


def test_short_runs_cut_by_the_raster_border_count_only_when_the_border_is_open():
    column = np.array([1, 1, 0, 0, 0, 0, 0, 1], bool)[:, None]
    assert not gaps_in_footprint(column, 5).any()
    both = gaps_in_footprint(column, 5, open_top=True, open_bottom=True, border_run=2)[:, 0]
    np.testing.assert_array_equal(both, [1, 1, 0, 0, 0, 0, 0, 1])


def _gaps(scene):
    w = Window(0, 0, scene.profile.width, scene.profile.height)
    data = scene.read(w)
    invalid = scene.invalid(w, data)
    return invalid, tile_gaps(invalid, w, scene.profile, scene_borders(scene))


def test_real_slc_off_crop_gaps_are_its_nodata_stripes(data_dir):
    with open_scene(data_dir / "menindee_20100116_256.tif") as scene:
        invalid, gaps = _gaps(scene)
    assert 0.10 < gaps.mean() < 0.16
    # Nearly all nodata of this crop (inside the scene) is gap; only clouds specks remain.
    assert gaps.sum() / invalid.sum() > 0.97


def test_scene_edge_fill_stays_outside_the_gaps(data_dir):
    with open_scene(data_dir / "menindee_edge_256.tif") as scene:
        invalid, gaps = _gaps(scene)
    # The lower-left corner of this crop is outside the scene: a large nodata triangle.
    corner = invalid[0, -40:, :40]
    assert corner.all()
    assert not gaps[0, -40:, :40].any()
    assert gaps.mean() > 0.15  # while the stripes inside the scene are gaps


def test_clean_pre_2003_product_has_no_gaps(data_dir):
    with open_scene(data_dir / "lethbridge_le07_256") as scene:
        invalid, gaps = _gaps(scene)
    assert invalid[:, :10].all()  # the crop starts with scene-edge fill rows
    assert not gaps.any()
