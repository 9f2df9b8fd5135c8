"""The command line end to end on real crops: georeferencing preserved, untouched pixels
bit-identical, gaps filled, cloud-optimised output with provenance tags."""
import numpy as np
import pytest
import rasterio

from tests.helpers import read_all, run_cli

SAMPLE = "menindee_20100116_256.tif"


@pytest.mark.parametrize("verb", ["fill", "simulate", "evaluate", "info", "batch"])
def test_every_verb_has_help(verb):
    result = run_cli(verb, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_fill_real_slc_off_crop(data_dir, tmp_path):
    src, out = data_dir / SAMPLE, tmp_path / "filled.tif"
    result = run_cli("fill", src, out, "--method", "navier-stokes", "--filled-mask",
                     "--preview", tmp_path / "preview.png", "--quiet")
    assert result.returncode == 0, result.stderr
    before, invalid, profile = read_all(src)
    after, after_invalid, out_profile = read_all(out)
    with rasterio.open(src) as a, rasterio.open(out) as b:
        assert (b.crs, b.transform, b.shape, b.count, b.dtypes, b.nodata) == \
               (a.crs, a.transform, a.shape, a.count, a.dtypes, a.nodata)
        assert b.tags()["FILL_METHOD"] == "navier-stokes"
        assert b.descriptions == a.descriptions
        assert b.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert b.profile["tiled"]
    with rasterio.open(tmp_path / "filled_filled_mask.tif") as m:
        filled = m.read(1).astype(bool)
    np.testing.assert_array_equal(after[:, ~filled], before[:, ~filled])
    assert filled.mean() > 0.1
    assert np.all(invalid[:, filled].any(axis=0))      # only nodata pixels were filled
    assert not after_invalid[:, filled].any()          # and none of them is nodata any more
    # Filled values stay in the band's observed range (no overshoot of a smooth inpainting).
    for b in range(3):
        valid = before[b][~invalid[b]]
        assert valid.min() <= after[b][filled].min() and after[b][filled].max() <= valid.max()
    assert (tmp_path / "preview.png").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["filled.tif", "filled_filled_mask.tif", "preview.png"]


def test_whole_sample_gets_overviews(tmp_path):
    from tests.helpers import ROOT

    out = tmp_path / "o.tif"
    assert run_cli("fill", f"{ROOT}/resources/samples/menindee_20100116.tif", out,
                   "--quiet").returncode == 0
    with rasterio.open(out) as ds:
        assert ds.overviews(1) == [2]
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"


def test_fill_product_folder_writes_all_reflective_bands(data_dir, tmp_path):
    result = run_cli("fill", data_dir / "lethbridge_le07_256", tmp_path / "o.tif", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "no gaps found" in result.stderr  # a clean pre-2003 scene: output = copy, said so
    before, _, _ = read_all(data_dir / "lethbridge_le07_256")
    with rasterio.open(tmp_path / "o.tif") as ds:
        assert ds.count == 6 and ds.crs.to_epsg() == 32612
        np.testing.assert_array_equal(ds.read(), before)


def test_simulate_burns_seeded_slc_off_gaps(data_dir, tmp_path):
    src = data_dir / "lethbridge_le07_256"
    for name in ("a.tif", "b.tif"):
        assert run_cli("simulate", src, tmp_path / name, "--seed", 7, "--quiet").returncode == 0
    assert run_cli("simulate", src, tmp_path / "c.tif", "--seed", 8, "--quiet").returncode == 0
    clean, clean_invalid, _ = read_all(src)
    a, a_invalid, _ = read_all(tmp_path / "a.tif")
    b, _, _ = read_all(tmp_path / "b.tif")
    c, _, _ = read_all(tmp_path / "c.tif")
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    burned = a_invalid.any(axis=0) & ~clean_invalid.any(axis=0)
    assert 0.03 < burned.mean() < 0.45
    np.testing.assert_array_equal(a[:, ~burned], clean[:, ~burned])
    info = run_cli("info", tmp_path / "a.tif", "--quiet")
    assert "slc-off:     yes" in info.stdout


def test_evaluate_prints_scores_and_saves_comparison(data_dir, tmp_path):
    png = tmp_path / "cmp.png"
    result = run_cli("evaluate", data_dir / "lethbridge_le07_256", "--methods", "idw,telea",
                     "--seed", 1, "--png", png, "--quiet")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:3]}
    assert set(rows) == {"idw", "telea"}
    for cols in rows.values():
        rmse_norm, psnr_db, ssim = float(cols[2]), float(cols[3]), float(cols[4])
        assert 0.01 < rmse_norm < 0.2 and 14 < psnr_db < 40 and 0.5 < ssim <= 1.0
    assert png.stat().st_size > 10_000


def test_evaluate_writes_no_file_unless_asked(data_dir, tmp_path, monkeypatch, capsys):
    """Scoring is read-only: no comparison image appears in the working folder by default."""
    from engine.cli.main import main
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", str(data_dir / "lethbridge_le07_256"), "--methods", "idw",
                 "--quiet"]) == 0
    assert "idw" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_info_reports_slc_off_and_fractions(data_dir):
    result = run_cli("info", data_dir / SAMPLE, "--quiet")
    assert result.returncode == 0
    out = result.stdout
    assert "slc-off:     yes" in out and "period 39" in out  # 970 m / 25 m
    gap_pct = float(out.split("gaps:")[1].split("%")[0])
    assert 10 < gap_pct < 16
    clean = run_cli("info", data_dir / "lethbridge_le07_256", "--quiet").stdout
    assert "slc-off:     no" in clean
    assert "gaps:        no gaps found: a fill would write a copy of the input" in clean


def test_default_method_falls_back_to_idw_where_torch_is_missing(data_dir, tmp_path):
    """A fill without --method on a machine without PyTorch: the best measured method needs
    torch, so the fill uses FALLBACK_METHOD and says why in one line (no traceback)."""
    import subprocess
    import sys

    from tests.helpers import ROOT

    out = tmp_path / "filled.tif"
    code = ("import sys; sys.modules['torch'] = None\n"
            "from engine.methods import registry\n"
            "registry.DEFAULT_METHOD = 'convcnp'\n"
            "from engine.cli.main import main\n"
            f"sys.exit(main(['fill', {str(data_dir / SAMPLE)!r}, {str(out)!r}, '--quiet']))")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert "default method convcnp needs torch==2.13.0" in res.stderr
    assert "Traceback" not in res.stderr
    with rasterio.open(out) as ds:
        assert ds.tags()["FILL_METHOD"] == "idw"


def test_progress_bar_rate_counts_from_the_start_of_the_job(capsys):
    """The statistics pass and the first tile come before the first callback: the bar's rate
    must count from the job's start, not from that callback (it showed thousands of tiles/s)."""
    import time

    from engine.cli.progress import ProgressBar

    with ProgressBar("fill", "bar") as bar:
        time.sleep(0.3)
        bar(1, 10)
        elapsed = bar._bar.format_dict["elapsed"]
    assert elapsed >= 0.3
    assert 1 / elapsed <= 4.0
