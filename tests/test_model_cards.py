"""The one model-card schema and its loader (engine.models.card), the model-kind registry and the
typed configs, on the shipped weights: cards of the older formats load into the same model,
bad cards are one-line InputErrors, and the registry is what the fill-method list shows."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engine.errors import InputError  # noqa: E402
from engine.models.card import CARD_FORMAT, build, load_model, read_card, save_card  # noqa: E402
from engine.models.configs import FAST_UNET_CNN, ConvCNPConfig, to_dict  # noqa: E402
from engine.models.kinds import (FILL, FILL_FROM_DATES, WATER_KIND, get_kind, kind_names,  # noqa: E402
                                 kinds)
from engine.resources import WEIGHTS_DIR, sha256_file  # noqa: E402
from tests.helpers import ROOT  # noqa: E402

LEGACY = f"{ROOT}/tests/data/legacy_cards"


def _state_equal(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _legacy_copy(tmp_path, card: str, weights: str):
    shutil.copy(f"{LEGACY}/{card}", tmp_path / card)
    shutil.copy(f"{WEIGHTS_DIR}/{weights}", tmp_path / weights)
    return str(tmp_path / card)


def test_shipped_cards_share_one_format_and_their_weights_are_unchanged():
    """Every shipped card is of the one schema; the weights are the ones the older cards
    pinned (same sha256), so the rewrite of the cards changed no tensor."""
    legacy = {"convcnp": json.load(open(f"{LEGACY}/convcnp.json")),
              "water_unet3d": json.load(open(f"{LEGACY}/water_unet3d.json"))}
    for name in kind_names(FILL) + ("water_unet3d", "water_unet3d_augmented"):
        raw = json.load(open(f"{WEIGHTS_DIR}/{name}.json"))
        assert raw["format"] == CARD_FORMAT and raw["weights"] == f"{name}.safetensors"
        card = read_card(f"{WEIGHTS_DIR}/{name}.json")
        assert sha256_file(card.weights) == card.sha256
        if name in legacy:
            assert card.sha256 == legacy[name]["sha256"]
    assert read_card(f"{WEIGHTS_DIR}/water_unet3d.json").kind == WATER_KIND


def test_legacy_fill_card_loads_the_same_model(tmp_path):
    old_model, old = load_model(_legacy_copy(tmp_path, "convcnp.json", "convcnp.safetensors"))
    new_model, new = load_model(f"{WEIGHTS_DIR}/convcnp.json")
    assert (old.kind, old.config, old.sha256) == (new.kind, new.config, new.sha256)
    assert old.info["format"] == 1 and old.info["std_scale"] == new.info["std_scale"]
    assert _state_equal(old_model, new_model)
    x = torch.rand(1, 2, 40, 48)
    known = torch.rand(1, 2, 40, 48) > 0.3
    with torch.no_grad():
        a = old_model(x * known, known)
        b = new_model(x * known, known)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_legacy_water_card_gives_identical_classes(tmp_path):
    from engine.water.predict import classify_arrays
    from engine.water.weights import load_model as load_water

    old_model, old = load_water("cpu", _legacy_copy(tmp_path, "water_unet3d.json",
                                                    "water_unet3d.safetensors"))
    new_model, new = load_water("cpu")
    assert old.kind == new.kind == WATER_KIND and old.info["format"] == "water-model-card/1"
    assert _state_equal(old_model, new_model)
    rng = np.random.default_rng(0)
    refl = rng.random((2, 3, 72, 80), dtype=np.float32) * 0.4
    valid = rng.random((2, 72, 80)) > 0.1
    a = classify_arrays(old_model, refl, valid)
    b = classify_arrays(new_model, refl, valid)
    assert (a == b).all() and len(np.unique(a)) > 1


def _bad_card(tmp_path, edit) -> str:
    raw = json.load(open(f"{WEIGHTS_DIR}/unet.json"))
    edit(raw)
    shutil.copy(f"{WEIGHTS_DIR}/unet.safetensors", tmp_path / "unet.safetensors")
    (tmp_path / "unet.json").write_text(json.dumps(raw))
    return str(tmp_path / "unet.json")


@pytest.mark.parametrize("edit, words", [
    (lambda c: c.update(kind="transformer"), ("unknown model kind 'transformer'", "convcnp")),
    (lambda c: c.pop("kind"), ("names no model kind",)),
    (lambda c: c.pop("config"), ("has no config",)),
    (lambda c: c["config"].update(dropout=0.1), ("unknown config argument 'dropout'",)),
    (lambda c: c["config"].update(channels="wide"), ("'channels' must be a list of int",)),
    (lambda c: c["config"].update(band_mix=1), ("'band_mix' must be bool",)),
    (lambda c: c.pop("weights"), ("names no weights file",)),
])
def test_bad_card_is_a_one_line_input_error(tmp_path, edit, words):
    path = _bad_card(tmp_path, edit)
    with pytest.raises(InputError) as err:
        load_model(path)
    message = str(err.value)
    assert "\n" not in message and "unet.json" in message
    for w in words:
        assert w in message


def test_unknown_argument_of_a_nested_cnn_config_is_named(tmp_path):
    raw = json.load(open(f"{WEIGHTS_DIR}/convcnp.json"))
    raw["config"]["cnn_cfg"]["depth"] = 3
    (tmp_path / "convcnp.json").write_text(json.dumps(raw))
    with pytest.raises(InputError, match="cnn_cfg: unknown config argument 'depth'"):
        read_card(str(tmp_path / "convcnp.json"))


def test_bad_card_through_the_shipped_name_is_refused_the_same_way(tmp_path):
    from engine.models.weights import load_model as load_shipped

    _bad_card(tmp_path, lambda c: c["config"].update(dropout=0.1))
    with pytest.raises(InputError, match="unknown config argument 'dropout'"):
        load_shipped("unet", str(tmp_path))


def test_saved_card_round_trips(tmp_path):
    """A card written by training (save_card) reads back as the same kind and config, every
    argument spelled out, and loads the saved tensors."""
    config = ConvCNPConfig("unet", FAST_UNET_CNN, setconv_levels=3)
    torch.manual_seed(0)
    model = build("convcnp", config)
    written = save_card(model, str(tmp_path / "m.json"), "convcnp", config,
                        {"name": "trial", "training": {"steps": 1}})
    assert written["format"] == CARD_FORMAT and written["config"] == to_dict(config)
    assert written["config"]["setconv_sigma_px"] == 2.0     # defaults are written too
    loaded, card = load_model(str(tmp_path / "m.json"))
    assert (card.name, card.kind, card.config) == ("trial", "convcnp", config)
    assert card.info["training"] == {"steps": 1} and _state_equal(model, loaded)


def test_registry_drives_the_fill_method_list():
    from engine.methods import list_methods

    neural = [m for m in list_methods() if m.kind == "neural"]
    assert [m.name for m in neural if not m.uses_references] == list(kind_names(FILL))
    # the fills from reference dates are methods where their weights ship (convcnp-ref does)
    from_dates = [m.name for m in neural if m.uses_references]
    assert from_dates == [k for k in kind_names(FILL_FROM_DATES)
                          if os.path.exists(os.path.join(WEIGHTS_DIR, f"{k}.json"))]
    assert "convcnp-ref" in from_dates
    for m in neural:
        kind = get_kind(m.name)
        assert (m.title, m.summary, m.has_uncertainty) == (kind.title, kind.summary,
                                                           kind.has_std)
    assert WATER_KIND not in {m.name for m in list_methods()}
    assert all(k.presets for k in kinds())


def test_a_registered_kind_shows_up_as_a_fill_method():
    code = ("from engine.models.configs import UNetConfig\n"
            "from engine.models.kinds import FILL, ModelKind, register_kind\n"
            "register_kind(ModelKind('unet2', FILL, UNetConfig, 'engine.models.unet:UNet',\n"
            "                        'Second U-Net', 'trial'))\n"
            "from engine.methods import get_method\n"
            "print(get_method('unet2').title)\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "Second U-Net", res.stderr
