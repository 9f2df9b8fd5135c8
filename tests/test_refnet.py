"""The reference-conditioned ConvCNP on a real pair of dates: a Lethbridge Landsat 7 crop
(2000-08-21) as target, the Landsat 5 crop of the same grid (2000-07-12) as reference
(tests/data/lethbridge_pair_128: red, NIR, SWIR1; fields where the two dates agree, band
correlation 0.83-0.88; over much of the scene they agree far less, which the model must learn)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from rasterio.windows import Window  # noqa: E402

from engine.gaps.simulate import SlcOffGeometry, simulate_slc_off_mask  # noqa: E402
from engine.io import open_scene  # noqa: E402
from engine.models.factory import build_model, named_config  # noqa: E402
from engine.models.weights import WEIGHTS_DIR, load_model  # noqa: E402
from engine.stats import scene_stats  # noqa: E402
from tests.conftest import DATA  # noqa: E402

PAIR = DATA / "lethbridge_pair_128"
SIZE = 96                    # px of the crops the tests run on (speed)
DAYS, DOY = 40.0, 40.0       # target - reference


def _load(path):
    with open_scene(str(path)) as scene:
        p = scene.profile
        window = Window(0, 0, p.width, p.height)
        data = scene.read(window)
        invalid = scene.invalid(window, data)
        values = np.where(invalid, 0, scene_stats(scene).normalise(data)).astype(np.float32)
    return values[:, :SIZE, :SIZE], ~invalid[:, :SIZE, :SIZE]


def _gaps(seed, center_u=0.9):
    return simulate_slc_off_mask(SIZE, SIZE, SlcOffGeometry(pixel_size_m=30.0, latitude_deg=50.0),
                                 seed=seed, center_u=center_u)


@pytest.fixture(scope="module")
def pair():
    truth, valid = _load(PAIR / "le07_20000821.tif")
    ref, ref_valid = _load(PAIR / "lt05_20000712.tif")
    assert valid.all() and ref_valid.all()
    gaps = _gaps(seed=5)
    known = valid & ~gaps[None]
    t = torch.from_numpy
    return {"truth": t(truth)[None], "values": t(np.where(known, truth, 0))[None],
            "known": t(known)[None], "gaps": t(gaps), "ref": t(ref)[None, None],
            "ref_known": t(ref_valid)[None, None]}


@pytest.fixture(scope="module")
def models():
    from safetensors.torch import load_file

    torch.manual_seed(0)
    single, _ = load_model("convcnp")
    ref_model = build_model("convcnp-ref", named_config("convcnp-ref", "fast")).eval()
    ref_model.load_single_image(load_file(f"{WEIGHTS_DIR}/convcnp.safetensors"))
    return single, ref_model


def _run(model, pair, ref=None, ref_known=None, days=None, doy=None):
    r = 0 if ref is None else ref.shape[1]
    with torch.no_grad():
        if r == 0:
            return model(pair["values"], pair["known"])
        days = torch.full((1, r), DAYS) if days is None else days
        doy = torch.full((1, r), DOY) if doy is None else doy
        return model(pair["values"], pair["known"], ref, ref_known, days, doy)


def _gap_rmse(mean, pair):
    g = pair["gaps"][None, None].expand_as(mean)
    return float(((mean - pair["truth"])[g] ** 2).mean().sqrt())


def test_no_reference_reproduces_the_shipped_convcnp(models, pair):
    single, ref_model = models
    a, sa = _run(single, pair)
    b, sb = _run(ref_model, pair)
    empty = pair["ref"][:, :0]
    c, _ = _run(ref_model, pair, empty, pair["ref_known"][:, :0])
    torch.testing.assert_close(b, a, atol=1e-6, rtol=0)
    torch.testing.assert_close(sb, sa, atol=1e-6, rtol=0)
    torch.testing.assert_close(c, a, atol=1e-6, rtol=0)
    assert _gap_rmse(a, pair) < 0.2      # the single-image fill is a fill, not noise


def test_a_reference_unknown_everywhere_changes_nothing(models, pair):
    _, ref_model = models
    none_known = torch.zeros_like(pair["ref_known"])
    a, sa = _run(ref_model, pair)
    b, sb = _run(ref_model, pair, pair["ref"], none_known)
    assert torch.equal(a, b) and torch.equal(sa, sb)


def test_a_real_reference_improves_the_fill_at_initialisation(models, pair):
    """The reference + interpolated offset candidate: 40 days and another sensor apart, it
    beats the single-image fill before any training of the reference parts."""
    single, ref_model = models
    a, _ = _run(single, pair)
    b, _ = _run(ref_model, pair, pair["ref"], pair["ref_known"])
    assert _gap_rmse(b, pair) < 0.8 * _gap_rmse(a, pair)
    off = ~pair["gaps"][None, None].expand_as(a)
    torch.testing.assert_close(b[off], a[off], atol=1e-6, rtol=0)   # references act in gaps only


def test_values_under_unknown_reference_pixels_never_matter(models, pair):
    _, ref_model = models
    holes = torch.from_numpy(_gaps(seed=11, center_u=-0.8))
    ref_known = pair["ref_known"] & ~holes
    clean = torch.where(ref_known, pair["ref"], 0.0)
    a, sa = _run(ref_model, pair, clean, ref_known)
    for poison in (float("nan"), 1e6):
        bad = torch.where(ref_known, pair["ref"], poison)
        b, sb = _run(ref_model, pair, bad, ref_known)
        assert torch.equal(a, b) and torch.equal(sa, sb)
    assert torch.isfinite(a).all()


def test_references_are_pooled_in_any_order(models, pair):
    _, ref_model = models
    holes = torch.from_numpy(_gaps(seed=7, center_u=0.5))
    second = torch.where(holes, 0.0, pair["ref"]) * 0.9 + 0.05   # another date, other gaps
    refs = torch.cat([pair["ref"], second], 1)
    known = torch.cat([pair["ref_known"], pair["ref_known"] & ~holes], 1)
    days, doy = torch.tensor([[40.0, -700.0]]), torch.tensor([[40.0, 95.0]])
    a, sa = _run(ref_model, pair, refs, known, days, doy)
    b, sb = _run(ref_model, pair, refs[:, [1, 0]], known[:, [1, 0]], days[:, [1, 0]],
                 doy[:, [1, 0]])
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
    torch.testing.assert_close(sa, sb, atol=1e-5, rtol=0)
    one, _ = _run(ref_model, pair, pair["ref"], pair["ref_known"])
    assert float((a - one).abs().max()) > 1e-3       # the second reference is used


def test_gradients_reach_every_part(models, pair):
    _, trained = models
    model = build_model("convcnp-ref", named_config("convcnp-ref", "fast"))
    model.load_state_dict(trained.state_dict())
    model.train()
    mean, std = model(pair["values"], pair["known"], pair["ref"], pair["ref_known"],
                      torch.full((1, 1), DAYS), torch.full((1, 1), DOY))
    g = pair["gaps"][None, None].expand_as(mean)
    loss = ((mean - pair["truth"])[g] ** 2).mean() + std[g].log().mean()
    loss.backward()
    for name in ("diff.log_kernels", "encoder.enc.0.0.0.weight", "ref_head.net.0.weight",
                 "gate_head.net.2.weight", "base.cnn.enc.0.0.0.weight", "base.head.net.0.weight"):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and torch.isfinite(grad).all() and float(grad.abs().sum()) > 0, name
    # the CNN's reference input channels start at zero and get a gradient to learn from
    first = dict(model.named_parameters())["base.cnn.enc.0.0.0.weight"]
    n_ctx = model.base.context_channels
    assert float(first[:, n_ctx:].abs().sum()) == 0
    assert float(first.grad[:, n_ctx:].abs().sum()) > 0


def _dated(path, name, sensor, date):
    import datetime as dt

    from training.ref_scenes import DatedScene
    values, valid = _load(path)
    return DatedScene(name, "lethbridge", sensor, dt.date.fromisoformat(date),
                      ("red", "nir", "swir1"), values, valid)


def test_training_crops_pair_dates_both_ways_and_blank_unused_reference_slots():
    from training.ref_dataset import RefCropDataset
    from training.ref_scenes import matched_bands

    l5 = _dated(PAIR / "lt05_20000712.tif", "l5", "L5 TM", "2000-07-12")
    l7 = _dated(PAIR / "le07_20000821.tif", "l7", "L7 ETM+", "2000-08-21")
    ds = RefCropDataset({"lethbridge": [l5, l7]}, size=64, length=24, seed=3)
    seen_days = set()
    for i in range(len(ds)):
        item = ds[i]
        again = ds[i]
        assert all(torch.equal(item[k], again[k]) for k in item)   # resumable: pure function
        used = item["ref_known"].flatten(1).any(1)
        assert not used[1:].any()             # one other date: slots 2 and 3 always blank
        assert (item["ref_days"][~used] == 0).all()
        if used[0]:
            seen_days.add(int(item["ref_days"][0]))
            active = item["band_weight"] > 0
            assert item["ref_known"][0][active].all()     # the real reference is fill-free here
            assert not item["ref_known"][0][~active].any()
    assert seen_days == {40, -40}             # L7 filled from L5 and L5 from L7
    # a band the reference lacks is unknown everywhere
    l7_coastal = _dated(PAIR / "le07_20000821.tif", "l7", "L7 ETM+", "2000-08-21")
    l7_coastal.bands = ("coastal", "nir", "swir1")
    vals, known = matched_bands(l7_coastal, l5, [0, 1])
    assert not known[0].any() and known[1].all()
    np.testing.assert_array_equal(vals[1], l5.values[1])


def test_a_training_step_with_the_frozen_backbone_leaves_r0_exactly_the_shipped_model(models, pair):
    from types import SimpleNamespace

    from torch.utils.data import DataLoader

    from training.losses import LOSSES
    from training.ref_dataset import RefCropDataset
    from training.train import param_groups, training_step

    single, trained = models
    model = build_model("convcnp-ref", named_config("convcnp-ref", "fast"))
    model.load_state_dict(trained.state_dict())
    groups = param_groups(model, SimpleNamespace(model="convcnp-ref", backbone_lr_scale=0.0))
    opt = torch.optim.Adam(groups, lr=1e-2)
    l5 = _dated(PAIR / "lt05_20000712.tif", "l5", "L5 TM", "2000-07-12")
    l7 = _dated(PAIR / "le07_20000821.tif", "l7", "L7 ETM+", "2000-08-21")
    batch = next(iter(DataLoader(RefCropDataset({"r": [l5, l7]}, size=64, length=4, seed=1), 4)))
    before, _ = _run(model.eval(), pair, pair["ref"], pair["ref_known"])
    model.train()
    for _ in range(2):
        parts = training_step(model, opt, batch, torch.device("cpu"), LOSSES["msssim+mse"], False)
    assert np.isfinite(parts["loss"])
    model.eval()
    a, sa = _run(single, pair)
    b, sb = _run(model, pair)
    assert torch.equal(a, b) and torch.equal(sa, sb)
    after, _ = _run(model, pair, pair["ref"], pair["ref_known"])
    assert float((after - before).abs().max()) > 1e-4   # the reference parts did learn


@pytest.mark.parametrize("refs", [0, 1, 2])
def test_the_fill_s_gap_only_path_gives_the_plain_forward_s_values(pair, refs):
    """A fill asks the shipped model for the gap pixels only (`at`): every head then runs on
    gathered rows and the reference encoder one image at a time. At the gaps that must equal
    the plain forward (every pixel, as in training) within 1e-5 of the normalised range, with
    0, 1 and 2 references whose own masks differ (the second has real-looking gaps of its own
    and a blank corner); observed pixels come back as given, with std 0."""
    model, _ = load_model("convcnp-ref")
    ref = pair["ref"].repeat(1, 2, 1, 1, 1)
    ref_known = pair["ref_known"].repeat(1, 2, 1, 1, 1).clone()
    ref_known[:, 1] &= ~torch.from_numpy(_gaps(seed=11, center_u=0.3))
    ref_known[:, 1, :, :30, :40] = False
    args = (pair["values"], pair["known"], ref[:, :refs], ref_known[:, :refs],
            torch.tensor([[40.0, -300.0][:refs]]), torch.tensor([[40.0, 65.0][:refs]]))
    with torch.no_grad():
        mean, std = model(*args)
        fast_mean, fast_std = model(*args, at=~pair["known"])
    gaps = ~pair["known"]
    assert float((fast_mean - mean)[gaps].abs().max()) < 1e-5
    assert float((fast_std - std)[gaps].abs().max()) < 1e-5
    assert torch.equal(fast_mean[pair["known"]], pair["values"][pair["known"]])
    assert float(fast_std[pair["known"]].abs().max()) == 0.0
