"""Shipped weights: `<name>.safetensors` (tensors only: loading runs no pickle) beside a JSON
model card `<name>.json` that describes the model completely (kind, constructor arguments,
band handling, normalisation, training data and regions, metrics) and pins the weights'
sha256. A file that does not match its card is refused with a one-line InputError."""
from __future__ import annotations

import json
import os
from typing import Optional

from engine.errors import InputError
from engine.resources import WEIGHTS_DIR, read_card_json, sha256_file, verify_sha256

CARD_FORMAT = 1


def card_path(name: str, weights_dir: Optional[str] = None) -> str:
    return os.path.join(weights_dir or WEIGHTS_DIR, f"{name}.json")


def read_card(name: str, weights_dir: Optional[str] = None) -> dict:
    path = card_path(name, weights_dir)
    if not os.path.exists(path):
        raise InputError(f"no weights for {name}: {path} is missing (export them with "
                         "`python -m training.export`)")
    return read_card_json(path, CARD_FORMAT, "model")


def verified_weights_path(card: dict, weights_dir: Optional[str] = None) -> str:
    path = os.path.join(weights_dir or WEIGHTS_DIR, card["weights_file"])
    return verify_sha256(path, card["sha256"], card.get("name", "model"))


def load_model(name: str, weights_dir: Optional[str] = None):
    """(torch model in eval mode, card) for shipped weights `name`; checksum verified first."""
    from safetensors.torch import load_file

    from engine.models.factory import build_model

    card = read_card(name, weights_dir)
    path = verified_weights_path(card, weights_dir)
    model = build_model(card["kind"], card["config"])
    try:
        state = load_file(path)
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # safetensors header errors, shape mismatches
        raise InputError(f"weights file {path} does not fit its model card: "
                         f"{str(exc).splitlines()[0]}") from None
    return model.eval(), card


def save_weights(model, card: dict, name: str, weights_dir: str) -> str:
    """Write `<name>.safetensors` and `<name>.json` (sha256 filled in); returns the card path."""
    from safetensors.torch import save_file

    os.makedirs(weights_dir, exist_ok=True)
    path = os.path.join(weights_dir, f"{name}.safetensors")
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, path, metadata={"kind": card["kind"], "name": name})
    card = dict(card, format=CARD_FORMAT, weights_file=os.path.basename(path),
                sha256=sha256_file(path), size_bytes=os.path.getsize(path))
    with open(card_path(name, weights_dir), "w", encoding="utf-8") as fh:
        json.dump(card, fh, indent=2)
        fh.write("\n")
    return card_path(name, weights_dir)
