"""End-to-end water seasonality on real Menindee crops (tests/data/menindee_water: 3 dates,
600 x 400 px at rows 350-749, cols 1250-1849 of the 2010 Landsat 7 SLC-off scene; inside the
water model's held-out box). Regions below are (row0, row1, col0, col1) of the crop:

- SEASONAL: east shore of the lake that is dry in January (observed) and full in May;
- PERMANENT: inside a lake full on every date;
- LAND: dry land with irrigated fields, never water.
"""
import os

import numpy as np
import pytest
import rasterio

from engine.jobs.water import classify_water
from engine.water.classes import CLASS_COLOURS, CLASS_NAMES
from tests.conftest import DATA
from tests.helpers import run_cli

CROPS = DATA / "menindee_water"
DATES = [str(CROPS / f"menindee_{d}.tif") for d in ("20100116", "20100201", "20100508")]
SEASONAL = (300, 390, 250, 320)
PERMANENT = (20, 130, 470, 580)
LAND = (200, 300, 380, 480)


def fractions(classes, box):
    r0, r1, c0, c1 = box
    cut = classes[r0:r1, c0:c1]
    return np.bincount(cut.ravel(), minlength=4) / cut.size


def read_classes(path):
    with rasterio.open(path) as ds:
        return ds.read(1)


@pytest.fixture(scope="module")
def cli_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("water") / "classes.tif"
    proc = run_cli("water", *DATES, out, "--fill-method", "idw", "--progress", "none")
    return proc, out


@pytest.fixture(scope="module")
def unfilled(tmp_path_factory):
    out = tmp_path_factory.mktemp("water_nofill") / "classes.tif"
    report = classify_water([DATES[0], DATES[2]], str(out), fill_method="none", device="cpu")
    return report, read_classes(out)


def test_cli_classifies_seasonal_permanent_and_land(cli_result):
    proc, out = cli_result
    assert proc.returncode == 0, proc.stderr
    classes = read_classes(out)
    assert fractions(classes, SEASONAL)[2] > 0.85
    assert fractions(classes, PERMANENT)[3] > 0.95
    assert fractions(classes, LAND)[1] > 0.97


def test_cli_prints_class_areas(cli_result):
    proc, out = cli_result
    classes = read_classes(out)
    # 25 m pixels: 625 m2 = 0.000625 km2 = 0.0625 ha each
    seasonal_px = int((classes == 2).sum())
    line = next(ln for ln in proc.stdout.splitlines() if ln.strip().startswith("seasonal water"))
    km2, ha = float(line.split()[2]), float(line.split()[4])
    assert km2 == pytest.approx(seasonal_px * 625 / 1e6, abs=1e-3)
    assert ha == pytest.approx(seasonal_px * 0.0625, abs=0.1)


def test_output_is_a_paletted_class_raster_on_the_first_dates_grid(cli_result):
    _, out = cli_result
    with rasterio.open(out) as ds, rasterio.open(DATES[0]) as ref:
        assert ds.count == 1 and ds.dtypes[0] == "uint8" and ds.nodata == 0
        assert ds.crs == ref.crs and ds.transform == ref.transform
        assert (ds.width, ds.height) == (ref.width, ref.height)
        cmap = ds.colormap(1)
        assert all(cmap[k] == CLASS_COLOURS[k] for k in range(4))
        assert "seasonal water" in ds.descriptions[0]
        assert [ds.tags(1)[f"CLASS_{k}"] for k in range(4)] == list(CLASS_NAMES)
    assert not [f for f in os.listdir(out.parent) if ".partial-" in f]


def test_gap_pixels_are_classified_after_filling(cli_result, unfilled):
    _, out = cli_result
    filled = read_classes(out)
    report, raw = unfilled
    nowhere = np.ones(filled.shape, bool)  # no valid value in January nor in May
    for path in (DATES[0], DATES[2]):
        with rasterio.open(path) as ds:
            nowhere &= (ds.read() == ds.nodata).any(axis=0)
    assert nowhere.sum() > 2000            # stripe crossings and cloud under stripes
    assert (raw[nowhere] == 0).all()       # unfilled: no data there
    assert (filled[nowhere] != 0).mean() > 0.95
    # January's gap stripes across the seasonal shore come out seasonal once filled
    assert fractions(filled, SEASONAL)[2] > fractions(raw, SEASONAL)[2]
    assert report.fill_method == "none" and report.pixel_counts["no data"] == int(nowhere.sum())


def test_two_dates_are_enough(tmp_path):
    out = tmp_path / "two.tif"
    report = classify_water([DATES[0], DATES[2]], str(out), fill_method="idw")
    classes = read_classes(out)
    assert fractions(classes, SEASONAL)[2] > 0.85
    assert fractions(classes, PERMANENT)[3] > 0.95
    assert report.dates == 2 and report.areas_ha["permanent water"] > 0


def test_the_default_fills_each_date_from_the_other_dates(tmp_path):
    """`auto` fills with NSPI from the job's other dates (the best measured for the classes):
    January's real gap stripes across the seasonal shore come out seasonal, and pixels no date
    observed stay no data, as with a single-image fill."""
    out = tmp_path / "auto.tif"
    report = classify_water(DATES, str(out), device="cpu")
    classes = read_classes(out)
    assert report.fill_method == "nspi"
    assert fractions(classes, SEASONAL)[2] > 0.85
    assert fractions(classes, PERMANENT)[3] > 0.95


def _write_like(src, dst, *, shift_m=0.0, bands=None, window=None):
    """Copy of a crop: shifted by shift_m east and north, a band subset, or a window only."""
    from rasterio.windows import Window

    with rasterio.open(src) as ds:
        win = Window(*window) if window else Window(0, 0, ds.width, ds.height)
        profile = ds.profile
        data = ds.read(window=win)
        transform = ds.window_transform(win)
        descriptions = ds.descriptions
    if bands is not None:
        data, descriptions = data[bands], tuple(descriptions[b] for b in bands)
    t = transform
    profile.update(count=data.shape[0], width=data.shape[2], height=data.shape[1],
                   transform=rasterio.Affine(t.a, t.b, t.c + shift_m, t.d, t.e, t.f + shift_m))
    with rasterio.open(dst, "w", **profile) as out:
        out.write(data)
        out.descriptions = descriptions
    return str(dst)


def test_dates_on_another_grid_are_aligned(tmp_path):
    # the east part of the crop (cols 300-599, rows 0-319): the permanent lake and dry land;
    # May is shifted by 10 px (250 m) and reprojected onto January's grid
    jan = _write_like(DATES[0], tmp_path / "jan.tif", window=(300, 0, 300, 320))
    may = _write_like(DATES[2], tmp_path / "may.tif", shift_m=250.0, window=(300, 0, 300, 320))
    out = tmp_path / "aligned.tif"
    classify_water([jan, may], str(out), fill_method="idw")
    classes = read_classes(out)
    assert fractions(classes, (20, 130, 170, 280))[3] > 0.9      # PERMANENT
    assert fractions(classes, (200, 300, 80, 180))[1] > 0.95     # LAND


@pytest.mark.parametrize("case", ["one_date", "no_overlap", "band_count", "bad_bands",
                                  "unknown_method"])
def test_bad_input_gives_one_line_and_exit_2(tmp_path, case):
    out = tmp_path / "out.tif"
    if case == "one_date":
        args = [DATES[0], out]
    elif case == "no_overlap":
        far = _write_like(DATES[2], tmp_path / "far.tif", shift_m=500_000.0)
        args = [DATES[0], far, out]
    elif case == "band_count":
        two = _write_like(DATES[2], tmp_path / "two_bands.tif", bands=[0, 1])
        args = [DATES[0], two, out]
    elif case == "bad_bands":
        args = [DATES[0], DATES[2], out, "--bands", "1,2,7"]
    else:
        args = [DATES[0], DATES[2], out, "--fill-method", "magic"]
    proc = run_cli("water", *args, "--progress", "none")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert {"one_date": "at least two dates", "no_overlap": "does not overlap",
            "band_count": "band(s) but date 1 has 3", "bad_bands": "band 7 does not exist",
            "unknown_method": "unknown method"}[case] in lines[0]
    assert not out.exists()
    assert not [f for f in os.listdir(tmp_path) if ".partial-" in f]


def test_cancel_leaves_nothing(tmp_path):
    from engine.errors import Cancelled

    out = tmp_path / "cancelled.tif"
    with pytest.raises(Cancelled):
        classify_water(DATES[:2], str(out), fill_method="idw", cancel=lambda: True)
    assert os.listdir(tmp_path) == []
