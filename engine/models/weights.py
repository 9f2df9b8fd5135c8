"""The shipped fill weights, by method name: `resources/weights/<name>.json` (a model card,
`engine.models.card`) beside `<name>.safetensors`."""
from __future__ import annotations

import os
from typing import Optional

from engine.errors import InputError
from engine.models.card import ModelCard
from engine.models.card import load_model as load_card_model
from engine.models.card import read_card as read_card_file
from engine.models.card import save_card
from engine.resources import WEIGHTS_DIR, sha256_file

__all__ = ["WEIGHTS_DIR", "ModelCard", "card_path", "load_model", "read_card", "save_weights",
           "sha256_file"]


def card_path(name: str, weights_dir: Optional[str] = None) -> str:
    """Where the card of shipped weights `name` lives (in `weights_dir`, default the shipped weights
    folder)."""
    return os.path.join(weights_dir or WEIGHTS_DIR, f"{name}.json")


def read_card(name: str, weights_dir: Optional[str] = None) -> ModelCard:
    """The card of shipped weights `name`; a missing card is an InputError that says how to export
    it. The weights' checksum is checked when the model is loaded."""
    path = card_path(name, weights_dir)
    if not os.path.exists(path):
        raise InputError(f"no weights for {name}: {path} is missing (export them with "
                         "`python -m training.export`)")
    return read_card_file(path, "model")


def load_model(name: str, weights_dir: Optional[str] = None, device: str = "cpu"):
    """(torch model in eval mode, ModelCard) for shipped weights `name`; checksum first."""
    return load_card_model(read_card(name, weights_dir), device, name)


def save_weights(model, kind: str, config, info: dict, name: str, weights_dir: str) -> str:
    """Write `<name>.safetensors` and `<name>.json`; returns the card path."""
    path = card_path(name, weights_dir)
    save_card(model, path, kind, config, dict(info, name=name))
    return path


def verified_weights_path(name: str, weights_dir: Optional[str] = None) -> str:
    """Path of the shipped weights `name`, their checksum verified (e.g. to start training
    from them)."""
    from engine.resources import verify_sha256

    card = read_card(name, weights_dir)
    return verify_sha256(card.weights, card.sha256, name)
