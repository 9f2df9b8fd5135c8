"""Several tiles per network call (what the runner does on a GPU, `--tile-batch`): the same
output to the pixel as one tile per call, sidecars included, on a real crop; ConvLNP, whose
latent draws would depend on the batch, still runs its tiles one by one; a bad batch size is
refused before anything is read."""
import numpy as np
import pytest

from engine.errors import InputError
from engine.io.writer import ArraySink
from engine.jobs.evaluate import ArrayMask
from engine.methods import get_method
from engine.runner import GPU_TILE_BATCH, MAX_TILE_BATCH, RunOptions, fill_scene
from tests.helpers import corrupted_clean_crop, run_cli

torch = pytest.importorskip("torch")

PAIR = "lethbridge_2000_384"


@pytest.fixture(scope="module")
def crop():
    from tests.conftest import DATA

    _, scene, mask = corrupted_clean_crop(DATA / PAIR / "LE07")
    return scene, mask


def _fill(scene, mask, name, batch):
    p = scene.profile
    sink = ArraySink(p, {"std": (p.count, np.float32), "filled": (1, np.uint8)})
    report = fill_scene(scene, sink, RunOptions(name, tile_px=64, device="cpu",
                                                tile_batch=batch), mask=ArrayMask(mask))
    return sink.arrays, report


@pytest.mark.parametrize("name", ["convcnp", "convlnp", "partialconv"])
def test_batched_tiles_give_the_one_by_one_fill(crop, name):
    scene, mask = crop
    alone, report_alone = _fill(scene, mask, name, 1)
    batched, report = _fill(scene, mask, name, 5)   # 16 tiles: batches of 5, 5, 5 and 1
    np.testing.assert_array_equal(batched["main"], alone["main"])
    np.testing.assert_array_equal(batched["filled"], alone["filled"])
    np.testing.assert_allclose(batched["std"], alone["std"], atol=1e-6, equal_nan=True)
    assert report.gap_pixels == report_alone.gap_pixels == int(mask.sum()) * scene.profile.count
    assert report.tiles_filled == 16
    # the gaps are filled, observed pixels untouched
    assert (batched["filled"][0] == mask).all()
    np.testing.assert_array_equal(batched["main"][:, ~mask], scene.data[:, ~mask])


def test_batches_break_at_tile_shapes_and_around_gap_free_tiles(crop):
    """A 250 x 230 crop: edge tiles of other shapes, and a mask that leaves whole tiles without
    gaps (written while others wait in a batch)."""
    from engine.io import ArrayScene

    scene, mask = crop
    data = scene.data[:, :230, :250].copy()
    part = mask[:230, :250].copy()
    part[:, 64:128] = False            # the second column of tiles has no gaps
    data[:, part] = 0
    small = ArrayScene(data, scene.profile.__class__(**{**vars(scene.profile), "width": 250,
                                                         "height": 230}))
    alone, _ = _fill(small, part, "convcnp", 1)
    batched, report = _fill(small, part, "convcnp", 3)
    np.testing.assert_array_equal(batched["main"], alone["main"])
    np.testing.assert_allclose(batched["std"], alone["std"], atol=1e-6, equal_nan=True)
    assert report.tiles_filled == 12 and (batched["filled"][0] == part).all()


def test_tiles_go_one_by_one_on_a_cpu_and_in_batches_on_a_gpu():
    network = get_method("convcnp").factory("cpu")
    assert RunOptions("convcnp").batch_for("cpu", network) == 1
    assert RunOptions("convcnp").batch_for("cuda", network) == GPU_TILE_BATCH
    assert RunOptions("convcnp", tile_batch=3).batch_for("cpu", network) == 3
    # a method without a batched call, or one whose tiles cannot share a call, fills one tile
    # at a time whatever was asked
    assert RunOptions("idw", tile_batch=3).batch_for("cuda", get_method("idw").factory("cpu")) == 1
    assert RunOptions("convlnp", tile_batch=3).batch_for(
        "cuda", get_method("convlnp").factory("cpu")) == 1


def test_a_bad_batch_size_is_refused(tmp_path):
    with pytest.raises(InputError, match="tiles per batch"):
        RunOptions("convcnp", tile_batch=MAX_TILE_BATCH + 1)
    from tests.conftest import DATA

    result = run_cli("fill", DATA / "menindee_20100116_256.tif", tmp_path / "out.tif",
                     "--quiet", "--tile-batch", "-1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error: ") and "tiles per batch" in result.stderr
    assert not list(tmp_path.iterdir())
