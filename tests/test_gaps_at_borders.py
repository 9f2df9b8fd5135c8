"""Stripes cut by a crop's border are gaps; fill outside a scene's footprint is not. QGIS users
clip an area of interest before filling, so cut stripes are the common case."""
import shutil

import numpy as np
import pytest
import rasterio
from rasterio.windows import Window

from engine.gaps.footprint import scene_borders, tile_gaps
from engine.io import open_scene
from engine.jobs.fill import fill_file
from engine.jobs.info import describe_file
from engine.runner import RunOptions
from tests.helpers import corrupted_clean_crop, read_all, run_cli

REPRO = "lethbridge_crop101_wide_gaps.tif"
FULL_SCENE = "slcoff_fullscene_2007_300.tif"
PRODUCT = "lethbridge_le07_256"


def _gaps(path):
    with open_scene(path) as scene:
        w = Window(0, 0, scene.profile.width, scene.profile.height)
        invalid = scene.invalid(w, scene.read(w))
        return invalid, tile_gaps(invalid, w, scene.profile, scene_borders(scene))


def test_every_gap_of_a_small_crop_is_filled_even_where_stripes_leave_it(data_dir, tmp_path):
    src, out = data_dir / REPRO, tmp_path / "filled.tif"
    result = run_cli("fill", src, out, "--method", "idw", "--quiet")
    assert result.returncode == 0, result.stderr
    before, invalid, _ = read_all(src)
    after, after_invalid, _ = read_all(out)
    # The crop lies inside the scene: all of its nodata (28 %, stripes cut on all four sides,
    # the top and bottom rows 60 % nodata) is gap.
    assert invalid.mean() > 0.27
    assert not after_invalid.any()
    np.testing.assert_array_equal(after[~invalid], before[~invalid])


def _write(path, data, profile):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1],
                       count=data.shape[0], dtype=data.dtype, nodata=0, crs=profile.crs,
                       transform=profile.transform) as ds:
        ds.write(data)


def test_cut_stripes_are_filled_close_to_the_truth(data_dir, tmp_path):
    """A clean real crop (below the product's fill rows) with wide simulated gaps cut by every
    border: filled everywhere, close to what was there."""
    truth, scene, mask = corrupted_clean_crop(data_dir / PRODUCT, seed=5, center_u=0.95)
    rows = slice(40, 141)
    cols = slice(100, 201)
    clip, gap = truth[:, rows, cols], mask[rows, cols]
    burned = scene.data[:, rows, cols]
    assert gap[0].any() and gap[-1].any() and gap[:, 0].any() and gap[:, -1].any()
    t = scene.profile.transform
    profile = scene.profile.with_changes(
        transform=t * t.translation(cols.start, rows.start))
    _write(tmp_path / "crop.tif", burned, profile)
    report = fill_file(str(tmp_path / "crop.tif"), str(tmp_path / "out.tif"), RunOptions("idw"))
    assert report.gap_pixels == gap.sum() * truth.shape[0]
    after, after_invalid, _ = read_all(tmp_path / "out.tif")
    assert not after_invalid.any()
    np.testing.assert_array_equal(after[:, ~gap], clip[:, ~gap])
    error = np.abs(after[:, gap].astype(float) - clip[:, gap]).mean()
    band_means = np.array([c[~gap].mean() for c in clip])[:, None]
    mean_fill_error = np.abs(band_means - clip[:, gap]).mean()
    # idw on 15-px-wide gaps in irrigated fields: 0.67 of the error of the band means.
    assert error < 0.75 * mean_fill_error, (error, mean_fill_error)


def test_rotated_footprint_of_a_whole_scene_stays_nodata(data_dir):
    invalid, gaps = _gaps(data_dir / FULL_SCENE)
    for corner in (np.s_[:, :30, :30], np.s_[:, :30, -30:], np.s_[:, -30:, :30],
                   np.s_[:, -30:, -30:]):
        assert invalid[corner].all() and not gaps[corner].any()
    outside = invalid.all(axis=0) & ~gaps.any(axis=0)
    assert 0.25 < outside.mean() < 0.35   # the four triangles of the rotated frame
    assert 0.12 < gaps.mean() < 0.18


def test_fill_rows_on_the_product_frame_stay_nodata_in_a_narrow_crop(data_dir, tmp_path):
    """A 100 px wide crop whose top is the product's frame (the MTL says so): its top fill rows
    are as shallow as a cut stripe and as short along the row, yet they are scene edge."""
    folder = tmp_path / "product"
    folder.mkdir()
    top = None
    for src in sorted((data_dir / PRODUCT).iterdir()):
        if src.suffix.upper() != ".TIF":
            continue
        with rasterio.open(src) as ds:
            win = Window(0, 0, 100, 120)
            data, profile = ds.read(window=win), ds.profile
            profile.update(width=100, height=120, transform=ds.window_transform(win))
            top = ds.transform.f
        with rasterio.open(folder / src.name, "w", **profile) as out:
            out.write(data)
    mtl = next((data_dir / PRODUCT).glob("*_MTL.txt"))
    text = mtl.read_text().replace("CORNER_UL_PROJECTION_Y_PRODUCT = 5685900.000",
                                   f"CORNER_UL_PROJECTION_Y_PRODUCT = {top - 15:.3f}")
    assert text != mtl.read_text()
    (folder / mtl.name).write_text(text)
    invalid, gaps = _gaps(folder)
    assert invalid[:, :10].all() and not gaps.any()
    # Without the frame the same rows would pass for a cut stripe.
    shutil.copy(folder / mtl.name.replace("MTL.txt", "B1.TIF"), tmp_path / "b1.tif")
    _, plain = _gaps(tmp_path / "b1.tif")
    assert plain[:, :10].any()


def test_info_and_fill_report_the_same_gap_share(data_dir, tmp_path):
    """ETM+ bands see slightly different gaps; both count them per band."""
    src = data_dir / FULL_SCENE
    invalid, gaps = _gaps(src)
    assert gaps.any(axis=0).mean() > gaps.mean() + 0.01   # the union would say more
    info = describe_file(str(src))
    report = fill_file(str(src), str(tmp_path / "out.tif"), RunOptions("idw"))
    assert info.gap_fraction == report.gap_fraction == gaps.mean()


def _framed_scene(data_dir, cloud=False):
    """The clean Lethbridge crop as a whole scene's corner: a frame of fill (0) beyond a side
    slanted as a Landsat swath edge (12.5 degrees from the columns), SLC-off stripes simulated
    up to that side (where they are widest); optionally a masked cloud, 60 rows tall, on the
    side."""
    from engine.gaps.simulate import simulate_slc_off_mask
    from engine.io import ArrayScene
    from engine.jobs.simulate import geometry_for

    truth, invalid, profile = read_all(data_dir / "lethbridge_2000_384" / "LE07")
    assert not invalid.any()
    h, w = invalid.shape[1:]
    rows, cols = np.mgrid[:h, :w]
    frame = cols < 40 + 0.22 * rows                 # the left swath edge and the fill beyond it
    stripes = simulate_slc_off_mask(h, w, geometry_for(profile), seed=1, center_u=0.97) & ~frame
    data = truth.copy()
    data[:, frame | stripes] = 0
    held = np.zeros_like(frame)
    if cloud:
        held = (rows >= 100) & (rows < 160) & ~frame & (cols < 40 + 0.22 * rows + 25)
        data[:, held] = 0
    return truth, ArrayScene(data, profile), frame, stripes & ~held, held


def test_stripes_are_filled_up_to_a_whole_scene_s_slanted_side(data_dir):
    """Down a column, a stripe's last pixels before the swath edge run into the frame: the
    column rule alone left a notch of nodata at every stripe's end. Every stripe pixel is now a
    gap, and no pixel of the frame is."""
    from engine.io.writer import ArraySink
    from engine.runner import fill_scene

    truth, scene, frame, stripes, _ = _framed_scene(data_dir)
    invalid = scene.data == 0
    column_rule = scene_borders(scene).__class__()          # the rule without side cuts
    w = Window(0, 0, scene.profile.width, scene.profile.height)
    notch = stripes & ~tile_gaps(invalid, w, scene.profile, column_rule).any(axis=0)
    assert notch.sum() > 50, "the case must show the notches the column rule leaves"
    gaps = tile_gaps(invalid, w, scene.profile, scene_borders(scene))
    assert (gaps.all(axis=0) == stripes).all()
    sink = ArraySink(scene.profile)
    fill_scene(scene, sink, RunOptions("idw", tile_px=64))
    out = sink.arrays["main"]
    assert (out[:, frame] == 0).all() and (out[:, stripes] != 0).all()
    np.testing.assert_array_equal(out[:, ~(frame | stripes)], truth[:, ~(frame | stripes)])


def test_a_masked_cloud_on_the_side_stays_nodata(data_dir):
    """A nodata area on the side taller than any stripe is not a stripe's end."""
    _, scene, frame, stripes, held = _framed_scene(data_dir, cloud=True)
    invalid = scene.data == 0
    w = Window(0, 0, scene.profile.width, scene.profile.height)
    gaps = tile_gaps(invalid, w, scene.profile, scene_borders(scene)).any(axis=0)
    assert not (gaps & frame).any()
    touching = held & ~np.roll(~frame, 1, axis=1)   # the cloud's pixels next to the frame
    assert touching.any() and not (gaps & touching).any()
    assert (gaps & stripes).sum() >= 0.95 * stripes.sum()


@pytest.mark.parametrize("frame_of", ["a crop's 8 px strip of edge fill beside a cloud",
                                      "a shallow (scan-direction) edge"])
def test_nodata_that_is_no_swath_edge_is_left_to_the_column_rule(data_dir, frame_of):
    """What the side rule must not touch (seen on Menindee's left border before the rule asked
    for a deep, steep side): the gaps are exactly the column rule's."""
    truth, invalid, profile = read_all(data_dir / "lethbridge_2000_384" / "LE07")
    h, w = invalid.shape[1:]
    rows, cols = np.mgrid[:h, :w]
    if frame_of.startswith("a crop"):
        # a cloud 60 rows tall (longer than a gap down a column) beside the strip, which
        # reaches the strip in two short runs of rows: those rows start at column 31
        cloud = (rows >= 100) & (rows < 160) & (cols >= 11) & (cols < 31)
        reach = (((rows >= 100) & (rows < 112)) | ((rows >= 131) & (rows < 140))) & (cols < 11)
        frame = (cols < 8) | cloud | reach
    else:
        # the edge as real data draws it: not a perfect digital line (+-2 px per row)
        jitter = np.random.default_rng(0).integers(-2, 3, size=(h, 1))
        frame = cols > 60 + 4.3 * (200 - rows) + jitter
    data = truth.copy()
    data[:, frame] = 0
    from engine.io import ArrayScene

    scene = ArrayScene(data, profile)
    win = Window(0, 0, w, h)
    inv = scene.invalid(win, data)
    borders = scene_borders(scene)
    column_rule = tile_gaps(inv, win, profile, borders.__class__(borders.top, borders.bottom))
    np.testing.assert_array_equal(tile_gaps(inv, win, profile, borders), column_rule)


def test_stripes_are_filled_up_to_the_right_side_too(data_dir):
    """The same scene mirrored: the frame beyond the right swath edge."""
    from engine.io import ArrayScene

    _, scene, frame, stripes, _ = _framed_scene(data_dir)
    data = scene.data[:, :, ::-1].copy()
    frame, stripes = frame[:, ::-1], stripes[:, ::-1]
    mirrored = ArrayScene(data, scene.profile)
    w = Window(0, 0, mirrored.profile.width, mirrored.profile.height)
    gaps = tile_gaps(data == 0, w, mirrored.profile, scene_borders(mirrored))
    column_rule = tile_gaps(data == 0, w, mirrored.profile, scene_borders(mirrored).__class__())
    assert (stripes & ~column_rule.any(axis=0)).sum() > 50
    assert (gaps.all(axis=0) == stripes).all()
