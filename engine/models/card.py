"""Model cards: one schema and one loader for every shipped network (fill models and the water
model). The weights are a safetensors file (tensors only: loading runs no pickle) beside a JSON
card that describes the model completely (kind, constructor arguments, bands, normalisation,
training data, metrics) and pins the weights' sha256.

Loading goes card -> checksum -> model built from the kind registry -> strict tensor load;
whatever is wrong on the way (missing or foreign card, unknown kind, a config argument the
kind does not take, damaged or mismatched weights) is a one-line InputError: a damaged install
must not end in a traceback inside QGIS.

Cards written before this schema (fill cards of format 1, water cards of format
"water-model-card/1") are still read, so a user's own older card keeps working."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from engine.errors import InputError, MissingDependency
from engine.models.configs import constructor_kwargs, parse_config, to_dict
from engine.models.kinds import WATER_KIND, get_kind
from engine.resources import sha256_file, verify_sha256

CARD_FORMAT = "model-card/2"
LEGACY_FILL_FORMAT = 1
LEGACY_WATER_FORMAT = "water-model-card/1"


@dataclass(frozen=True)
class ModelCard:
    """A card as read and checked: its kind, the typed config the model is built from, where the
    weights are and the sha256 they must have; `info` keeps the whole card (training, metrics,
    `std_scale`)."""

    path: str      # the card's own path (absolute)
    name: str
    kind: str      # a registered model kind (engine.models.kinds)
    config: Any    # the kind's typed configuration (engine.models.configs)
    weights: str   # absolute path of the safetensors file
    sha256: str
    info: dict     # the whole card as read (training, metrics, std_scale, ...)


def read_card(path: str, what: str = "model") -> ModelCard:
    """The card at `path`, its kind and config checked; the weights are not read yet."""
    path = os.path.abspath(path)
    raw = _read_json(path, what)
    fmt = raw.get("format")
    if fmt == CARD_FORMAT:
        kind, weights_key = raw.get("kind"), "weights"
    elif fmt == LEGACY_FILL_FORMAT:
        kind, weights_key = raw.get("kind"), "weights_file"
    elif fmt == LEGACY_WATER_FORMAT:
        kind, weights_key = WATER_KIND, "weights"
    else:
        raise InputError(f"{path} is not a {what} card of format {CARD_FORMAT!r} (found "
                         f"{fmt!r})")
    where = f"{what} card {path}"
    if kind is None:
        raise InputError(f"{where} names no model kind")
    model_kind = _kind(kind, where)
    if "config" not in raw:
        raise InputError(f"{where} has no config (the model's constructor arguments)")
    config = parse_config(model_kind.config, raw["config"], where)
    weights = raw.get(weights_key)
    if not isinstance(weights, str) or not weights:
        raise InputError(f"{where} names no weights file")
    return ModelCard(path, str(raw.get("name", kind)), kind, config,
                     os.path.join(os.path.dirname(path), weights), str(raw.get("sha256", "")),
                     raw)


def load_model(card: ModelCard | str, device: str = "cpu", what: str = "model"):
    """(torch model in eval mode on `device`, ModelCard). Checksum first, then tensors."""
    try:
        import torch  # noqa: F401
        from safetensors.torch import load_file
    except ImportError:
        raise MissingDependency("the neural models need PyTorch and safetensors; install them "
                                "with `python -m pip install torch safetensors`") from None
    if not isinstance(card, ModelCard):
        card = read_card(card, what)
    verify_sha256(card.weights, card.sha256, what)
    model = build(card.kind, card.config)
    try:
        state = load_file(card.weights, device="cpu")
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # safetensors header errors, missing keys, shape mismatches
        raise InputError(f"weights file {card.weights} does not fit its model card: "
                         f"{str(exc).splitlines()[0]}") from None
    return model.to(device).eval(), card


def build(kind: str, config):
    """A freshly initialised model of `kind` from its typed config (or a config dict)."""
    model_kind = _kind(kind, "model")
    if isinstance(config, dict):
        config = parse_config(model_kind.config, config, f"{kind} model")
    elif not isinstance(config, model_kind.config):
        raise InputError(f"a {kind} model needs a {model_kind.config.__name__}, got "
                         f"{type(config).__name__}")
    return model_kind.model_class()(**constructor_kwargs(config))


def save_card(model, card_path: str, kind: str, config, info: dict) -> dict:
    """Write `<card stem>.safetensors` and the card (training and export use it); `info` is the
    rest of the card (name, training, bands, ...). Returns the card as written."""
    from safetensors.torch import save_file

    if isinstance(config, dict):
        config = parse_config(_kind(kind, "model").config, config, f"{kind} model")
    folder = os.path.dirname(os.path.abspath(card_path))
    os.makedirs(folder, exist_ok=True)
    weights = os.path.splitext(os.path.abspath(card_path))[0] + ".safetensors"
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    name = str(info.get("name") or os.path.splitext(os.path.basename(card_path))[0])
    save_file(state, weights, metadata={"kind": kind, "name": name})
    card = card_dict(kind, config, os.path.basename(weights), sha256_file(weights),
                     dict(info, name=name, size_bytes=os.path.getsize(weights),
                          parameters=int(sum(v.numel() for v in state.values()))))
    write_card_json(card_path, card)
    return card


def card_dict(kind: str, config, weights_file: str, sha256: str, info: dict) -> dict:
    """A card in this schema: format, name, kind, config, weights, sha256 first, then `info`."""
    reserved = ("format", "kind", "config", "weights", "weights_file", "sha256")
    rest = {k: v for k, v in info.items() if k not in reserved}
    head = {"format": CARD_FORMAT, "name": rest.pop("name", kind), "kind": kind,
            "config": to_dict(config), "weights": weights_file, "sha256": sha256}
    return {**head, **rest}


def write_card_json(path: str, card: dict) -> None:
    """Write a card as indented JSON with a final newline, so cards in the repository diff
    cleanly."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(card, fh, indent=2)
        fh.write("\n")


def _kind(kind, where: str):
    try:
        return get_kind(kind)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _read_json(path: str, what: str) -> dict:
    if not os.path.isfile(path):
        raise InputError(f"{what} card not found: {path}")
    try:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
    except (OSError, ValueError) as exc:
        raise InputError(f"{what} card {path} cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path} is not a {what} card of format {CARD_FORMAT!r} "
                         f"(found {type(raw).__name__})")
    return raw
