"""Reference dates as the runner reads them: on the target's grid whatever their own grid, in the
target's band order, normalised with their own statistics, and never trusted where they hold
no measurement (their own gaps, fill, the QA band's clouds) or where the user masks them."""
import os
import subprocess

import numpy as np
import pytest
import rasterio
from rasterio.windows import Window

from engine.errors import InputError
from engine.gaps.qa import qa_untrusted
from engine.io import open_scene
from engine.io.acquisition import acquisition_date, days_apart
from engine.references import open_reference, open_references
from tests.helpers import ROOT

WATER = os.path.join(ROOT, "tests", "data", "menindee_water")
JAN, FEB, MAY = (os.path.join(WATER, f"menindee_2010{d}.tif") for d in ("0116", "0201", "0508"))
LETHBRIDGE = os.path.join(ROOT, "tests", "data", "lethbridge_le07_256")


def _target_profile(path=JAN):
    with open_scene(path) as scene:
        return scene.profile


def _warp(src, dst, *args):
    subprocess.run(["gdalwarp", "-q", "-overwrite", *args, src, str(dst)], check=True)
    return str(dst)


def test_reference_on_the_same_grid_reads_its_own_pixels_and_validity():
    target = _target_profile()
    ref = open_reference(MAY, target, JAN)
    try:
        tile = ref.read(Window(0, 0, target.width, target.height))
    finally:
        ref.close()
    with rasterio.open(MAY) as ds:
        raw = ds.read()
    nodata = raw == -999
    assert ref.band_map == (0, 1, 2)
    np.testing.assert_array_equal(tile.known, ~nodata)   # its own gaps and clouds are unknown
    assert (tile.values[~tile.known] == 0).all()
    # normalised with May's own 1-99 % range: most known values in [0, 1], none wildly off
    inside = (tile.values[tile.known] >= -0.05) & (tile.values[tile.known] <= 1.05)
    assert inside.mean() > 0.95
    assert tile.days_apart == pytest.approx(-112.0)           # 2010-01-16 minus 2010-05-08
    assert tile.doy == pytest.approx(-112.0)


def test_reference_on_another_crs_matches_a_gdal_prewarped_copy(tmp_path):
    """Warped window by window on the target grid, the reference reads as the same reference
    warped beforehand with gdalwarp (bilinear): GDAL's own warper, so 99 % of the pixels agree
    within 2 % of the band's 1-99 % range and the mean difference is below 0.1 % (measured:
    1.0 % and 0.05 %; the rest sits along gap edges, where bilinear weights meet nodata)."""
    target = _target_profile()
    utm = _warp(MAY, tmp_path / "may_utm.tif", "-t_srs", "EPSG:32754", "-tr", "30", "30",
                "-r", "near")
    with rasterio.open(JAN) as ds:
        bounds, crs = ds.bounds, ds.crs
    prewarped = _warp(utm, tmp_path / "may_back.tif", "-t_srs", crs.to_string(), "-te",
                      *map(str, bounds), "-ts", str(target.width), str(target.height),
                      "-r", "bilinear")
    window = Window(0, 0, target.width, target.height)
    live, pre = open_reference(utm, target, JAN), open_reference(prewarped, target, JAN)
    try:
        a, b = live.read(window), pre.read(window)
        # each is normalised with its own file's statistics: compare in reflectance units
        a_raw, b_raw = live.stats.denormalise(a.values), pre.stats.denormalise(b.values)
        span = np.asarray(live.stats.high) - np.asarray(live.stats.low)
    finally:
        live.close()
        pre.close()
    both = a.known & b.known
    assert both.mean() > 0.7
    # validity agrees except along the edges of gaps (nearest vs bilinear footprints)
    assert (a.known != b.known).mean() < 0.03
    diff = (np.abs(a_raw - b_raw) / span[:, None, None])[both]
    assert np.percentile(diff, 99) < 0.02 and diff.mean() < 0.001


def test_reference_partly_outside_the_target_is_unknown_there(tmp_path):
    target = _target_profile()
    with rasterio.open(MAY) as ds:
        profile, data = ds.profile, ds.read(window=Window(0, 0, 200, target.height))
        profile.update(width=200, transform=ds.window_transform(Window(0, 0, 200, ds.height)))
    west = tmp_path / "may_west.tif"
    with rasterio.open(west, "w", **profile) as out:
        out.write(data)
    ref = open_reference(str(west), target, JAN)
    try:
        tile = ref.read(Window(0, 0, target.width, target.height))
    finally:
        ref.close()
    assert not tile.known[:, :, 200:].any()
    np.testing.assert_array_equal(tile.known[:, :, :200], data != -999)


def test_a_reference_that_does_not_overlap_is_refused(tmp_path):
    target = _target_profile()
    far = _warp(MAY, tmp_path / "far.tif", "-t_srs", "EPSG:32633")   # same pixels, Europe's zone
    with rasterio.open(far, "r+") as ds:
        t = ds.transform
        ds.transform = rasterio.Affine(t.a, t.b, t.c + 3_000_000, t.d, t.e, t.f)
    with pytest.raises(InputError, match="does not overlap the target"):
        open_reference(far, target, JAN)
    with pytest.raises(InputError, match="is the target itself"):
        open_references([JAN], target, JAN)


def test_user_mask_keeps_pixels_out_of_a_reference(tmp_path):
    target = _target_profile()
    with rasterio.open(JAN) as ds:
        profile = ds.profile
    profile.update(count=1, dtype="uint8", nodata=None)
    mask = np.zeros((target.height, target.width), np.uint8)
    mask[100:200, 50:300] = 1
    path = tmp_path / "mask.tif"
    with rasterio.open(path, "w", **profile) as out:
        out.write(mask[None])
    ref = open_reference(MAY, target, JAN, mask_path=str(path))
    try:
        tile = ref.read(Window(0, 0, target.width, target.height))
    finally:
        ref.close()
    assert not tile.known[:, 100:200, 50:300].any()
    assert tile.known[:, :100].mean() > 0.5


def test_qa_band_clouds_shadows_and_snow_are_never_trusted():
    # Collection 1 BQA values of the real Flathead Landsat 8 scene (2015-06-04) and the
    # Lethbridge Landsat 7 crop: clear land, then cloud, medium cloud, shadow, snow, fill
    c1 = np.array([2720, 672, 2800, 752, 2752, 2976, 3744, 1])
    np.testing.assert_array_equal(qa_untrusted(c1, "01"),
                                  [False, False, True, True, True, True, True, True])
    # Collection 2 QA_PIXEL: clear land 21824, water 21952, cloud 22280, shadow 23888,
    # snow 30048, dilated cloud 21890, fill 1
    c2 = np.array([21824, 21952, 22280, 23888, 30048, 21890, 1])
    np.testing.assert_array_equal(qa_untrusted(c2, "02"),
                                  [False, False, True, True, True, True, True])


def test_acquisition_dates_from_metadata_and_names():
    with open_scene(LETHBRIDGE) as scene:
        assert str(acquisition_date(scene.profile, LETHBRIDGE)) == "2000-08-21"
    profile = _target_profile()
    assert str(acquisition_date(profile.with_changes(tags={}), "LE70410272007125EDC00")) == \
        "2007-05-05"
    assert str(acquisition_date(profile.with_changes(tags={}), "x/menindee_20100508.tif")) == \
        "2010-05-08"
    assert acquisition_date(profile.with_changes(tags={}), "scene.tif") is None
    days, doy = days_apart(*(acquisition_date(profile.with_changes(tags={}), n)
                             for n in ("a_20101230.tif", "b_20110102.tif")))
    assert (days, doy) == (-3.0, -3.0)


def test_info_says_which_bands_a_reference_shares():
    """Landsat 5 TM (B1-B5, B7) as a reference for Landsat 7 ETM+: all six bands, by name."""
    from tests.helpers import run_cli

    pair = os.path.join(ROOT, "tests", "data", "lethbridge_2000_384")
    result = run_cli("info", os.path.join(pair, "LE07"), "--reference",
                     os.path.join(pair, "LT05"), "--progress", "none")
    assert result.returncode == 0, result.stderr
    line = [x for x in result.stdout.splitlines() if x.startswith("reference:")]
    assert line == ["reference:   LT05: shares 6 of 6 band(s) (B1 blue, B2 green, B3 red, "
                    "B4 nir, B5 swir1, B7 swir2); 40 days earlier; same grid"]
