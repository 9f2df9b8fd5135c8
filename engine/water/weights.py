"""Water-model weights: a safetensors file (no pickle) beside a JSON model card that describes it
(architecture arguments, bands, normalisation, training data, sha256 of the weights). The
checksum is verified before the tensors are read; a mismatch is an InputError."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Optional

from engine.errors import InputError, MissingDependency
from engine.resources import WEIGHTS_DIR, read_card_json, sha256_file, verify_sha256
DEFAULT_CARD = os.path.join(WEIGHTS_DIR, "water_unet3d.json")
CARD_FORMAT = "water-model-card/1"


@dataclass(frozen=True)
class ModelCard:
    path: str          # the card's own path
    weights: str       # absolute path of the safetensors file
    sha256: str
    config: dict       # WaterNet constructor arguments
    info: dict         # the whole card


def read_card(card_path: Optional[str] = None) -> ModelCard:
    card_path = os.path.abspath(card_path or DEFAULT_CARD)
    info = read_card_json(card_path, CARD_FORMAT, "water model")
    weights = os.path.join(os.path.dirname(card_path), info.get("weights", ""))
    return ModelCard(card_path, weights, str(info.get("sha256", "")), dict(info.get("config", {})),
                     info)


def verify(card: ModelCard) -> None:
    verify_sha256(card.weights, card.sha256, "water model")


def load_model(device: str = "cpu", card_path: Optional[str] = None):
    """(WaterNet in eval mode on `device`, ModelCard). Checksum first, then tensors, no pickle."""
    try:
        import torch  # noqa: F401
        from safetensors.torch import load_file
    except ImportError:
        raise MissingDependency("water classification needs PyTorch and safetensors; install "
                                "them with `python -m pip install torch safetensors`") from None
    from engine.water.model import WaterNet

    card = read_card(card_path)
    verify(card)
    model = WaterNet(**card.config)
    state = load_file(card.weights, device="cpu")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise InputError(f"water model weights do not match the card's architecture: "
                         f"{str(exc).splitlines()[0]}") from None
    return model.to(device).eval(), card


def save_model(model, card_path: str, info: dict) -> dict:
    """Write `<card>.safetensors` and the card (used by training). Returns the card dict."""
    from safetensors.torch import save_file

    stem = os.path.splitext(card_path)[0]
    weights = stem + ".safetensors"
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, weights)
    card = {"format": CARD_FORMAT, **info, "weights": os.path.basename(weights),
            "sha256": sha256_file(weights),
            "parameters": int(sum(v.numel() for v in state.values()))}
    with open(card_path, "w", encoding="utf-8") as fh:
        json.dump(card, fh, indent=2)
        fh.write("\n")
    return card
