"""The model kinds, listed once: the fill-method list, training, the evaluation reports, the card
loader and the tests all read this registry, so a new model is added here and nowhere else.
Imports without torch: the class that builds a kind is named as "module:Class" and imported
only when a model is built."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from engine.errors import InputError
from engine.models.configs import (FAST_CHANNELS, FAST_CONVS, FAST_UNET_CNN, LINE_SLOPES,
                                   ConvCNPConfig, ConvLNPConfig, PartialConvConfig,
                                   RefConvCNPConfig, ResNetCNNConfig, UNetCNNConfig, UNetConfig,
                                   WaterNetConfig)

FILL = "fill"
FILL_FROM_DATES = "fill-from-dates"   # fills that also read reference dates
WATER = "water"
WATER_KIND = "waternet"   # also the kind of water cards written before the shared schema


@dataclass(frozen=True)
class ModelKind:
    """One registered model: its task, typed config and builder (imported only when a model is
    built, so listing kinds needs no torch), texts for users and the named presets training uses."""

    name: str                 # the kind in model cards; for fill models also the method name
    task: str                 # FILL (gap filling) or WATER (water seasonality)
    config: type              # its typed configuration (engine.models.configs)
    builder: str              # "module:Class" whose constructor takes the config's arguments
    title: str = ""           # display name of the fill method
    summary: str = ""         # one line for users: what it is, speed and quality
    has_std: bool = False     # predicts a per-pixel std (uncertainty)
    presets: dict = field(default_factory=dict)  # named configurations used by training

    def model_class(self):
        """Import and return the class that builds this kind (needs torch)."""
        module, name = self.builder.split(":")
        return getattr(importlib.import_module(module), name)


_KINDS: dict = {}


def register_kind(kind: ModelKind) -> ModelKind:
    """Add a kind at import time; a second kind with the same name is a programming error
    (ValueError)."""
    if kind.name in _KINDS:
        raise ValueError(f"model kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def get_kind(name) -> ModelKind:
    """The registered kind `name`; anything else is a one-line InputError listing the kinds."""
    try:
        return _KINDS[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown model kind {name!r}; choose one of: "
                         f"{', '.join(_KINDS)}") from None


def kinds(task: str | None = None) -> tuple:
    """Registered kinds in registration order, optionally only those of one task (FILL, WATER,
    ...)."""
    return tuple(k for k in _KINDS.values() if task is None or k.task == task)


def kind_names(task: str | None = None) -> tuple:
    """Names of `kinds(task)`, for choices and messages."""
    return tuple(k.name for k in kinds(task))


_FAST_LINES = dict(setconv_px=9, setconv_levels=3, setconv_sigma_px=1.5,
                   setconv_unit_density=True, line_slopes=LINE_SLOPES, line_max_rows=24)

register_kind(ModelKind(
    "convcnp", FILL, ConvCNPConfig, "engine.models.convcnp:ConvCNP",
    "ConvCNP (convolutional neural process)",
    "Neural process (line interpolants + U-Net) with a per-pixel std; the best measured fill "
    "(docs/results.md), about 0.5 Mpx/s for 3 bands on 2 CPU cores; needs PyTorch.",
    has_std=True, presets={
        # fast CPU default: multi-scale SetConv + directional line interpolants -> U-Net CNN
        "fast": ConvCNPConfig("unet", FAST_UNET_CNN, decoder_hidden=32, decoder_layers=2,
                              band_mix=True, **_FAST_LINES),
        # ablations: without the line interpolants; and also every band on its own
        "fast-nolines": ConvCNPConfig("unet", FAST_UNET_CNN, setconv_px=9, setconv_levels=3,
                                      setconv_sigma_px=1.5, band_mix=True),
        "fast-perband": ConvCNPConfig("unet", FAST_UNET_CNN, setconv_px=9, setconv_levels=3,
                                      setconv_sigma_px=1.5, band_mix=False),
        "wide": ConvCNPConfig("unet", UNetCNNConfig((16, 32, 64, 96), (2, 2, 2, 2), 2),
                              setconv_px=9, setconv_levels=3, band_mix=True),
        # the paper: 10-layer depthwise ResNet, 128 channels, 4-layer decoder
        "paper": ConvCNPConfig("resnet", ResNetCNNConfig(128, 10, 9), setconv_px=11,
                               decoder_hidden=128, decoder_layers=4, band_mix=True),
    }))

register_kind(ModelKind(
    "convlnp", FILL, ConvLNPConfig, "engine.models.convlnp:ConvLNP",
    "ConvLNP (latent convolutional neural process)",
    "Neural process with a sampled latent map (8 samples averaged) and a std; about 8x slower "
    "than convcnp; needs PyTorch.",
    has_std=True, presets={
        # fast: U-Net encoder, a light U-Net decoder run once per latent sample (2 to train on
        # CPU, 8 to predict); the paper trains with 4 (16 at 64 px)
        "fast": ConvLNPConfig("unet", FAST_UNET_CNN, "unet",
                              UNetCNNConfig((8, 16, 32), (1, 1, 1), 2), latent=4,
                              decoder_hidden=16, decoder_layers=2, band_mix=True,
                              train_samples=2, eval_samples=8, **_FAST_LINES),
        # the paper: two 8-layer ResNets
        "paper": ConvLNPConfig("resnet", ResNetCNNConfig(128, 8), "resnet",
                               ResNetCNNConfig(128, 8), latent=64, setconv_px=11,
                               decoder_hidden=128, decoder_layers=4, band_mix=True,
                               train_samples=4, eval_samples=8),
    }))

register_kind(ModelKind(
    "unet", FILL, UNetConfig, "engine.models.unet:UNet", "U-Net",
    "Plain U-Net inpainting baseline; needs PyTorch.",
    presets={
        # same backbone as the fast ConvCNP's CNN: the comparison isolates the neural-process
        # parts (its mix_from is the constructor's default, 2)
        "fast": UNetConfig(FAST_CHANNELS, True, FAST_CONVS),
        "wide": UNetConfig((32, 64, 128, 256), True),
    }))

register_kind(ModelKind(
    "partialconv", FILL, PartialConvConfig, "engine.models.partialconv:PartialConvUNet",
    "Partial-convolution U-Net",
    "Partial-convolution inpainting baseline (Liu et al. 2018); needs PyTorch.",
    presets={"fast": PartialConvConfig((16, 32, 64, 96), (7, 5, 5, 3))}))

register_kind(ModelKind(
    "convcnp-ref", FILL_FROM_DATES, RefConvCNPConfig, "engine.models.refconvcnp:RefConvCNP",
    "ConvCNP from reference dates",
    "ConvCNP whose context also holds other dates of the same place (any number, each with "
    "its own mask and time apart), with a per-pixel std; needs PyTorch.",
    has_std=True, presets={
        # the fast ConvCNP as backbone, so the shipped convcnp weights initialise it
        "fast": RefConvCNPConfig(base=_KINDS["convcnp"].presets["fast"]),
    }))

register_kind(ModelKind(
    WATER_KIND, WATER, WaterNetConfig, "engine.water.model:WaterNet",
    "Water seasonality network (temporal 3-D convolution + U-Net)",
    presets={"default": WaterNetConfig(12, (16, 32, 48), 3)}))
