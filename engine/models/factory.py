"""Fresh models by kind and named configuration (training starts from these); the kinds and their
presets are listed in `engine.models.kinds`."""
from __future__ import annotations

from engine.models.card import build
from engine.models.configs import parse_config
from engine.models.kinds import FILL, FILL_FROM_DATES, get_kind, kind_names

MODEL_KINDS = kind_names(FILL)
# what training can train: the single-image fills and the ones that read reference dates
TRAINABLE_KINDS = MODEL_KINDS + kind_names(FILL_FROM_DATES)


def build_model(kind: str, config):
    """Instantiate `kind` from its typed config or a config dict (a checkpoint's or a card's)."""
    return build(kind, config)


def named_config(kind: str, name: str):
    """The typed preset `name` of `kind` (e.g. convcnp "fast")."""
    presets = get_kind(kind).presets
    try:
        return presets[name]
    except KeyError:
        raise ValueError(f"no configuration {name!r} for {kind}; choose one of: "
                         f"{', '.join(presets)}") from None


def typed_config(kind: str, raw: dict, what: str = "config"):
    """`raw` (a checkpoint's or a card's config dict) as `kind`'s typed config: dicts written
    with and without the default arguments compare equal once typed."""
    return parse_config(get_kind(kind).config, raw, what)
