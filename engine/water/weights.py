"""The water model's weights: a model card of the shared schema (`engine.models.card`) beside
its safetensors file; the shipped default is `resources/weights/water_unet3d.json`."""
from __future__ import annotations

import os
from typing import Optional

from engine.errors import InputError, MissingDependency
from engine.models.card import ModelCard
from engine.models.card import load_model as load_card_model
from engine.models.card import read_card as read_card_file
from engine.models.kinds import WATER, get_kind
from engine.resources import WEIGHTS_DIR, verify_sha256

__all__ = ["DEFAULT_CARD", "ModelCard", "load_model", "read_card", "verify"]

DEFAULT_CARD = os.path.join(WEIGHTS_DIR, "water_unet3d.json")
WHAT = "water model"


def read_card(card_path: Optional[str] = None) -> ModelCard:
    """The water model's card (default: the shipped one); a fill model's card is refused, so
    pointing at the wrong card fails with one line instead of a shape error."""
    card = read_card_file(card_path or DEFAULT_CARD, WHAT)
    if get_kind(card.kind).task != WATER:
        raise InputError(f"{card.path} is a {card.kind} card, not a water model card")
    return card


def verify(card: ModelCard) -> None:
    """Check the weights file against the card's sha256 without building the model (InputError
    naming the file when it is missing or damaged)."""
    verify_sha256(card.weights, card.sha256, WHAT)


def load_model(device: str = "cpu", card_path: Optional[str] = None):
    """(water network in eval mode on `device`, ModelCard). Checksum first, then tensors."""
    try:
        import safetensors  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        raise MissingDependency("water classification needs PyTorch and safetensors; install "
                                "them with `python -m pip install torch safetensors`") from None
    return load_card_model(read_card(card_path), device, WHAT)

