"""`where`: the runner asks a method for the gaps of the tile's core only, not for the halo or the
nodata border outside a scene's footprint (unknown too, but never kept). Every method must give
the same values there as when asked for every unknown pixel; a method that limits its work to
`where` (the networks' heads, NSPI's similar-pixel search) must do so without changing them.

Real pair: Landsat 7 ETM+ 2000-08-21 with simulated SLC-off gaps and, cut into it, a nodata
corner like a rotated scene footprint's; Landsat 5 TM 2000-07-12 as the reference."""
import numpy as np
import pytest

from engine.io import ArrayScene
from engine.io.writer import ArraySink
from engine.methods import get_method
from engine.methods.reference import LlhmFill, NspiFill, Reference
from engine.runner import RunOptions, fill_scene
from engine.stats import scene_stats
from tests.helpers import corrupted_clean_crop, read_all

PAIR = "lethbridge_2000_384"
TILE = 64   # 256 px crop: 4 x 4 tiles
HALO = 48   # what the runner's halo would be: `where` leaves this band of every side out


@pytest.fixture(scope="module")
def tile():
    from tests.conftest import DATA

    truth, scene, mask = corrupted_clean_crop(DATA / PAIR / "LE07")
    _, invalid, _ = read_all(DATA / PAIR / "LE07")
    stats = scene_stats(scene)
    h, w = mask.shape
    rows, cols = np.mgrid[:h, :w]
    border = cols < 0.6 * (h - rows) - 40        # the footprint's corner: unknown, not a gap
    known = ~invalid & ~mask[None] & ~border[None]
    values = np.where(known, stats.normalise(scene.data), 0).astype(np.float32)
    ref_data, ref_invalid, ref_profile = read_all(DATA / PAIR / "LT05")
    ref_stats = scene_stats(ArrayScene(ref_data, ref_profile))
    ref = Reference(np.where(~ref_invalid, ref_stats.normalise(ref_data), 0).astype(np.float32),
                    ~ref_invalid, days_apart=-40, doy=-40)
    core = np.zeros(mask.shape, bool)
    core[HALO:-HALO, HALO:-HALO] = True
    where = np.broadcast_to(mask & ~border & core, values.shape) & ~known
    assert border.mean() > 0.05 and where.sum() > 5000 and (~known & ~where).sum() > where.sum()
    return values, known, ref, where


def _same_at(where, asked, every, tol):
    assert np.isfinite(asked[where]).all()
    assert np.abs(asked - every)[where].max() <= tol


@pytest.mark.parametrize("name", ["convcnp", "convlnp"])
def test_a_network_asked_for_the_core_gaps_gives_its_values_there(tile, name):
    """Head at `where` only vs at every unknown pixel: the same to float rounding (float32)."""
    from engine.models.inference import Predictor
    from engine.models.weights import load_model

    values, known, _, where = tile
    model, _ = load_model(name)
    predict = Predictor(model, "cpu", bf16=False, seed=0)
    mean, std = predict(values, known, where)
    every_mean, every_std = predict(values, known)
    _same_at(where, mean, every_mean, 1e-5)
    _same_at(where, std, every_std, 1e-5)


@pytest.mark.parametrize("cls", [NspiFill, LlhmFill])
def test_a_reference_fill_asked_for_the_core_gaps_gives_its_values_there(tile, cls):
    """NSPI searches similar pixels for `where` only, and the fallback is asked for what the
    reference leaves: exactly the values of the whole-tile fill."""
    values, known, ref, where = tile
    method = cls(get_method("idw").factory("cpu").fill)
    _same_at(where, method.fill(values, known, [ref], where=where).mean,
             method.fill(values, known, [ref]).mean, 0.0)


def test_convcnp_ref_asked_for_the_core_gaps_gives_its_values_there(tile):
    pytest.importorskip("torch")
    values, known, ref, where = tile
    method = get_method("convcnp-ref").factory("cpu")
    method.bf16 = False
    asked = method.fill(values, known, [ref], where=where)
    every = method.fill(values, known, [ref])
    _same_at(where, asked.mean, every.mean, 1e-5)
    _same_at(where, asked.std, every.std, 1e-5)


def test_the_runner_asks_for_the_core_gaps_only():
    """What the runner hands a method as `where`: the gaps of each tile's core, never a halo
    pixel, a pixel outside the footprint or an observed one; together the tiles ask for every
    gap exactly once."""
    from tests.conftest import DATA

    _, scene, mask = corrupted_clean_crop(DATA / PAIR / "LE07")
    asked = []
    spec = get_method("idw")
    original = spec.factory
    idw = original("cpu")

    class Recorder:
        def fill(self, values, known, where=None):
            asked.append(where)
            return idw.fill(values, known)

    object.__setattr__(spec, "factory", lambda device: Recorder())
    try:
        from engine.jobs.evaluate import ArrayMask

        fill_scene(scene, ArraySink(scene.profile), RunOptions("idw", tile_px=TILE),
                   mask=ArrayMask(mask))
    finally:
        object.__setattr__(spec, "factory", original)
    assert len(asked) == 16 and all(w is not None for w in asked)
    from engine.gaps.footprint import gap_halo_px

    halo = max(spec.halo_px, gap_halo_px(scene.profile))   # the runner's
    counted = sum(int(w.sum()) for w in asked)
    assert counted == int(mask.sum()) * scene.profile.count
    inner = asked[5]        # second row, second column: a halo on every side
    rows = np.flatnonzero(inner.any(axis=(0, 2)))
    cols = np.flatnonzero(inner.any(axis=(0, 1)))
    assert rows.min() >= halo and rows.max() < halo + TILE
    assert cols.min() >= halo and cols.max() < halo + TILE
