"""The SLC-off simulator must reproduce real gap geometry, and measure_stripes must measure it
honestly: both are checked against each other and against the real Menindee 2010 gap mask."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.warp import transform

from engine.errors import InputError
from engine.gaps.simulate import SlcOffGeometry, burn_gaps, simulate_slc_off_mask
from engine.gaps.stripes import measure_stripes

MENINDEE = Path(__file__).parent / "data" / "menindee_20100116_gapmask.tif"


def _runs(mask: np.ndarray, col: int) -> np.ndarray:
    """Down-column gap runs bounded by non-gap pixels above and below."""
    edges = np.diff(mask[:, col].astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if starts.size == 0:
        return np.zeros(0, int)
    ends = ends[ends > starts[0]]
    n = min(len(starts), len(ends))
    return ends[:n] - starts[:n]


def _column_widths(mask: np.ndarray, cols: np.ndarray, tilt_deg: float) -> np.ndarray:
    """Median perpendicular gap width per column (0 where a column has no bounded gap)."""
    cos_t = math.cos(math.radians(tilt_deg))
    return np.array([np.median(r) * cos_t if (r := _runs(mask, c)).size else 0.0 for c in cols])


def _model_widths(g: SlcOffGeometry, center_u: np.ndarray, cols: np.ndarray,
                  width: int) -> np.ndarray:
    """w(u) along the centre row for each candidate center_u (rows) and column (columns)."""
    du = (cols - (width - 1) / 2) * math.cos(math.radians(g.tilt_deg)) / g.half_swath_px
    w = g.edge_width_px * np.minimum(np.abs(center_u[:, None] + du[None, :]), 1.0)
    return np.where(w >= g.min_gap_px, w, 0.0)


# ---------------------------------------------------------------- determinism and windows

def test_same_seed_same_mask_other_seed_other_mask():
    a = simulate_slc_off_mask(300, 500, seed=7)
    b = simulate_slc_off_mask(300, 500, seed=7)
    c = simulate_slc_off_mask(300, 500, seed=8)
    assert a.dtype == bool and a.any()
    assert np.array_equal(a, b)
    assert (a != c).mean() > 0.02


def test_window_equals_cut_of_full_scene():
    g = SlcOffGeometry(pixel_size_m=30.0, latitude_deg=47.0)
    full = simulate_slc_off_mask(700, 900, g, seed=3)
    for r0, c0, h, w in [(0, 0, 700, 900), (0, 0, 64, 64), (123, 457, 200, 300),
                         (636, 836, 64, 64), (500, 0, 200, 900)]:
        win = simulate_slc_off_mask(h, w, g, seed=3, row_offset=r0, col_offset=c0,
                                    scene_height=700, scene_width=900)
        assert np.array_equal(win, full[r0:r0 + h, c0:c0 + w]), (r0, c0)
    with pytest.raises(InputError):
        simulate_slc_off_mask(100, 100, g, seed=3, row_offset=650, scene_height=700,
                              scene_width=900)


def test_explicit_parameters_override_seed():
    a = simulate_slc_off_mask(200, 400, seed=1, center_u=0.5, phase_px=3.0)
    b = simulate_slc_off_mask(200, 400, seed=99, center_u=0.5, phase_px=3.0)
    assert np.array_equal(a, b)


# ---------------------------------------------------------------- geometry of simulated gaps

def test_full_swath_gap_fraction():
    """A 6166-px-wide (185 km) mask spans u in ~[-1, 1]: expect 21.4 % gap, assert 20-24 %."""
    mask = simulate_slc_off_mask(64, 6166, seed=11)
    assert 0.20 <= mask.mean() <= 0.24
    # widths at the swath edges are ~14 px, at the centre there are no gaps
    cols = np.array([20, 40, 6125, 6145])
    widths = _column_widths(simulate_slc_off_mask(400, 6166, seed=11), cols, 8.2)
    assert np.all((widths > 12.5) & (widths < 14.6))


@pytest.mark.parametrize("lat, tilt", [(0.0, 8.2), (40.0, 10.7), (50.0, 12.8), (-32.3, 9.7)])
def test_measured_geometry_matches_simulated(lat, tilt):
    """Period within 1 % of 32.33 px, tilt within 0.3 deg of the mission's table, mean width
    within 5 % of the width model averaged over the columns that have gaps."""
    g = SlcOffGeometry(latitude_deg=lat)
    assert g.tilt_deg == pytest.approx(tilt, abs=0.05)
    mask = simulate_slc_off_mask(900, 2400, g, center_u=-0.3, phase_px=5.0)
    st = measure_stripes(mask, 30.0)
    assert st.looks_like_slc_off
    assert st.period_px == pytest.approx(970 / 30, rel=0.01)
    assert st.tilt_deg == pytest.approx(tilt, abs=0.3)
    model = _model_widths(g, np.array([-0.3]), np.arange(2400), 2400)[0]
    assert st.mean_width_px == pytest.approx(model[model > 0].mean(), rel=0.05)
    assert st.width_p90_px == pytest.approx(np.percentile(model[model > 0], 90), rel=0.1)


def test_no_gap_narrower_than_two_pixels():
    """Every gap run is >= 2 px except where a column crosses the (tilted) line on which the
    wedge reaches 2 px and is cut there, as the ground system's interpolation cuts real ones."""
    g = SlcOffGeometry()
    mask = simulate_slc_off_mask(600, 1200, g, center_u=0.0, phase_px=0.0)
    x_cut = g.min_gap_px / g.edge_width_px * g.half_swath_px / math.cos(math.radians(g.tilt_deg))
    drift = 600 * math.tan(math.radians(g.tilt_deg)) / 2 + 2
    away = [c for c in range(1200) if min(abs(c - 599.5 - x_cut), abs(c - 599.5 + x_cut)) > drift]
    runs = np.concatenate([_runs(mask, c) for c in away])
    assert runs.size > 1000 and runs.min() >= 2
    # near the swath centre w(u) < 2 px: nothing there is gap ...
    t = math.radians(g.tilt_deg)
    yy, xx = np.mgrid[:600, :1200] - np.array([299.5, 599.5])[:, None, None]
    model = g.edge_width_px * np.abs(xx * math.cos(t) + yy * math.sin(t)) / g.half_swath_px
    narrow = model < g.min_gap_px - 0.05
    assert narrow.mean() > 0.15 and not mask[narrow].any()
    # ... although without the ground-system threshold it would be
    raw = simulate_slc_off_mask(600, 1200, SlcOffGeometry(min_gap_m=0.0), center_u=0.0,
                                phase_px=0.0)
    assert raw[narrow].mean() > 0.02


def test_east_half_is_staggered_by_045_period():
    """Measured from the mask alone: the column phase of the stripe pattern follows the tilt
    across the west half; the east half is off that trend by 0.45 +- 0.05 period."""
    mask = simulate_slc_off_mask(800, 2000, SlcOffGeometry(), center_u=0.0, phase_px=4.0)
    west_st = measure_stripes(mask[:, :700], 30.0)
    p_col = west_st.period_px / math.cos(math.radians(west_st.tilt_deg))
    rows = np.arange(mask.shape[0])
    phasor = np.exp(-2j * np.pi * rows / p_col) @ mask.astype(float)
    trend = np.exp(-2j * np.pi * np.arange(2000) * math.tan(math.radians(west_st.tilt_deg))
                   / p_col)
    resid = phasor / trend
    west = np.angle(resid[100:700].sum())
    east = np.angle(resid[1300:1900].sum())
    shift = ((west - east) / (2 * np.pi)) % 1.0
    assert shift == pytest.approx(0.45, abs=0.05)


# ---------------------------------------------------------------- the detector

@pytest.mark.parametrize("pixel, lat", [(30.0, 0.0), (25.0, -32.3), (15.0, 50.0),
                                         (60.0, 20.0), (120.0, 55.0)])
def test_detector_accepts_simulated_slc_off(pixel, lat):
    g = SlcOffGeometry(pixel_size_m=pixel, latitude_deg=lat)
    n = int(60_000 / pixel)  # 60 km square
    st = measure_stripes(simulate_slc_off_mask(n, n, g, seed=5), pixel)
    assert st.looks_like_slc_off, st
    assert st.period_px == pytest.approx(g.period_px, rel=0.03)
    assert st.tilt_deg == pytest.approx(g.tilt_deg, abs=1.0)


def test_detector_rejects_non_stripes():
    rng = np.random.default_rng(0)
    noise = rng.random((1000, 1200)) < 0.2
    blobs = np.zeros((1000, 1200), bool)
    for y, x, r in zip(rng.integers(0, 1000, 60), rng.integers(0, 1200, 60),
                       rng.integers(5, 40, 60)):
        yy, xx = np.ogrid[:1000, :1200]
        blobs |= (yy - y) ** 2 + (xx - x) ** 2 < r * r
    band = np.zeros((1000, 1200), bool)
    band[400:430] = True
    flat_stripes = (np.arange(1000) % 32 < 6)[:, None] & np.ones((1, 1200), bool)
    for mask in (noise, blobs, band, flat_stripes, np.zeros((1000, 1200), bool),
                 np.ones((1000, 1200), bool)):
        assert not measure_stripes(mask, 30.0).looks_like_slc_off
    # the right stripes at the wrong pixel size are not SLC-off either
    assert not measure_stripes(simulate_slc_off_mask(900, 900, seed=1), 60.0).looks_like_slc_off
    with pytest.raises(InputError):
        measure_stripes(noise.astype(np.uint8))


# ---------------------------------------------------------------- real gaps (Menindee, 25 m)

@pytest.fixture(scope="module")
def menindee():
    with rasterio.open(MENINDEE) as src:
        mask = src.read(1).astype(bool)
        pixel = src.res[0]
        cx, cy = src.transform * (src.width / 2, src.height / 2)
        (lon,), (lat,) = transform(src.crs, "EPSG:4326", [cx], [cy])
        (nx,), (ny,) = transform("EPSG:4326", src.crs, [lon], [lat + 0.01])
    # Albers meridian convergence at the scene: true north is this far clockwise of grid north
    rotation = math.degrees(math.atan2(nx - cx, ny - cy))
    return mask, pixel, lat, rotation


def test_real_menindee_gaps_are_recognised(menindee):
    """Real ARG25 gaps: period within 3 % of 970 m / 25 m = 38.8 px."""
    mask, pixel, lat, rotation = menindee
    assert pixel == 25.0 and lat == pytest.approx(-32.3, abs=0.1)
    st = measure_stripes(mask, pixel)
    assert st.looks_like_slc_off
    assert st.period_px == pytest.approx(38.8, rel=0.03)
    assert 0.10 < st.gap_fraction < 0.25


def test_simulation_matches_real_menindee(menindee):
    """Simulate on the same 25 m grid (latitude and grid rotation from the file) with center_u
    fitted by least squares to the real column-median widths, then compare the measurements:
    period within 3 %, tilt within 1.5 deg, mean width within 20 %, p90 width within 20 %,
    gap fraction within 4 percentage points."""
    mask, pixel, lat, rotation = menindee
    g = SlcOffGeometry(pixel_size_m=pixel, latitude_deg=lat, grid_rotation_deg=rotation)
    real = measure_stripes(mask, pixel)
    h, w = mask.shape
    cols = np.arange(5, w, 20)
    widths = _column_widths(mask, cols, real.tilt_deg)
    candidates = np.linspace(-1, 1, 801)
    err = ((_model_widths(g, candidates, cols, w) - widths[None, :]) ** 2).mean(axis=1)
    center_u = float(candidates[np.argmin(err)])
    assert -0.6 < center_u < -0.2  # the crop lies in the west half, centre near its east edge
    sim = measure_stripes(simulate_slc_off_mask(h, w, g, seed=0, center_u=center_u), pixel)
    assert sim.period_px == pytest.approx(real.period_px, rel=0.03)
    assert sim.tilt_deg == pytest.approx(real.tilt_deg, abs=1.5)
    assert sim.mean_width_px == pytest.approx(real.mean_width_px, rel=0.20)
    assert sim.width_p90_px == pytest.approx(real.width_p90_px, rel=0.20)
    assert sim.gap_fraction == pytest.approx(real.gap_fraction, abs=0.04)


# ---------------------------------------------------------------- burning and validation

def test_burn_gaps_writes_nodata_on_a_copy():
    mask = simulate_slc_off_mask(50, 60, seed=2, center_u=0.9)
    ints = np.full((3, 50, 60), 7, np.int16)
    out = burn_gaps(ints, mask, -999)
    assert np.all(out[:, mask] == -999) and np.all(out[:, ~mask] == 7) and np.all(ints == 7)
    floats = burn_gaps(ints.astype(np.float32), mask, None)
    assert np.isnan(floats[:, mask]).all() and not np.isnan(floats[:, ~mask]).any()
    with pytest.raises(InputError):
        burn_gaps(ints, mask, None)
    with pytest.raises(InputError):
        burn_gaps(ints.astype(np.uint8), mask, -999)
    with pytest.raises(InputError):
        burn_gaps(ints, mask[:10], 0)


@pytest.mark.parametrize("kwargs", [dict(pixel_size_m=0), dict(latitude_deg=85.0),
                                    dict(stagger_fraction=1.2), dict(edge_width_m=-1.0),
                                    dict(period_m=float("nan")), dict(min_gap_m=-5.0)])
def test_nonsense_geometry_is_rejected(kwargs):
    with pytest.raises(InputError):
        SlcOffGeometry(**kwargs)


def test_nonsense_call_is_rejected():
    with pytest.raises(InputError):
        simulate_slc_off_mask(-1, 10)
    with pytest.raises(InputError):
        simulate_slc_off_mask(10, 10, center_u=1.5)
