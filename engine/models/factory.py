"""Model kinds and their named configurations (paper and fast CPU variants)."""
from __future__ import annotations

from torch import nn

MODEL_KINDS = ("convcnp", "convlnp", "unet", "partialconv", "convcnp-ref")

# Named configurations: constructor arguments, stored verbatim in every model card.
CONFIGS: dict = {
    "convcnp": {
        # fast CPU default: multi-scale SetConv + directional line interpolants -> U-Net CNN
        "fast": {"cnn": "unet", "cnn_cfg": {"channels": [12, 24, 48, 64], "convs": [1, 1, 2, 2], "mix_from": 2},
                 "setconv_px": 9, "setconv_levels": 3, "setconv_sigma_px": 1.5,
                 "setconv_unit_density": True, "line_slopes": [-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0], "line_max_rows": 24,
                 "decoder_hidden": 32, "decoder_layers": 2, "band_mix": True},
        # ablations: without the line interpolants; and also every band on its own
        "fast-nolines": {"cnn": "unet", "cnn_cfg": {"channels": [12, 24, 48, 64], "convs": [1, 1, 2, 2], "mix_from": 2}, "setconv_px": 9,
                         "setconv_levels": 3, "setconv_sigma_px": 1.5,
                         "decoder_hidden": 32, "decoder_layers": 2, "band_mix": True},
        "fast-perband": {"cnn": "unet", "cnn_cfg": {"channels": [12, 24, 48, 64], "convs": [1, 1, 2, 2], "mix_from": 2},
                         "setconv_px": 9, "setconv_levels": 3, "setconv_sigma_px": 1.5,
                         "decoder_hidden": 32, "decoder_layers": 2, "band_mix": False},
        "wide": {"cnn": "unet", "cnn_cfg": {"channels": [16, 32, 64, 96], "convs": [2, 2, 2, 2],
                                          "mix_from": 2}, "setconv_px": 9,
                 "setconv_levels": 3, "decoder_hidden": 32, "decoder_layers": 2, "band_mix": True},
        # the paper: 10-layer depthwise ResNet, 128 channels, 4-layer decoder
        "paper": {"cnn": "resnet", "cnn_cfg": {"channels": 128, "layers": 10, "kernel_px": 9},
                  "setconv_px": 11, "decoder_hidden": 128, "decoder_layers": 4,
                  "band_mix": True},
    },
    "convlnp": {
        # fast: U-Net encoder, a light U-Net decoder run once per latent sample (2 to train on
        # CPU, 8 to predict); the paper trains with 4 (16 at 64 px)
        "fast": {"encoder": "unet",
                 "encoder_cfg": {"channels": [12, 24, 48, 64], "convs": [1, 1, 2, 2], "mix_from": 2},
                 "decoder": "unet",
                 "decoder_cfg": {"channels": [8, 16, 32], "convs": [1, 1, 1], "mix_from": 2},
                 "latent": 4, "setconv_px": 9, "setconv_levels": 3, "setconv_sigma_px": 1.5,
                 "setconv_unit_density": True, "line_slopes": [-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0], "line_max_rows": 24,
                 "decoder_hidden": 16, "decoder_layers": 2,
                 "band_mix": True, "train_samples": 2, "eval_samples": 8},
        # the paper: two 8-layer ResNets
        "paper": {"encoder": "resnet", "encoder_cfg": {"channels": 128, "layers": 8},
                  "decoder": "resnet", "decoder_cfg": {"channels": 128, "layers": 8},
                  "latent": 64, "setconv_px": 11, "decoder_hidden": 128, "decoder_layers": 4,
                  "band_mix": True, "train_samples": 4, "eval_samples": 8},
    },
    # same backbone as the fast ConvCNP's CNN: the comparison isolates the neural-process parts
    "unet": {"fast": {"channels": [12, 24, 48, 64], "convs": [1, 1, 2, 2], "band_mix": True},
             "wide": {"channels": [32, 64, 128, 256], "band_mix": True}},
    "partialconv": {"fast": {"channels": [16, 32, 64, 96], "kernels": [7, 5, 5, 3]}},
}
# reference-conditioned ConvCNP: the fast ConvCNP as backbone (so the shipped convcnp weights
# initialise it) plus a small encoder shared by every reference date
CONFIGS["convcnp-ref"] = {
    "fast": {"base": CONFIGS["convcnp"]["fast"], "ref_channels": [16, 24], "diff_px": 9,
             "diff_levels": 3, "diff_sigma_px": 2.0, "head_hidden": 16, "gate_init": 1.0,
             "count_scale": 4.0},
}


def build_model(kind: str, config: dict) -> nn.Module:
    """Instantiate `kind` with constructor arguments `config` (a dict from CONFIGS or a card)."""
    if kind == "convcnp":
        from engine.models.convcnp import ConvCNP
        return ConvCNP(**config)
    if kind == "convlnp":
        from engine.models.convlnp import ConvLNP
        return ConvLNP(**config)
    if kind == "unet":
        from engine.models.unet import UNet
        return UNet(**config)
    if kind == "partialconv":
        from engine.models.partialconv import PartialConvUNet
        return PartialConvUNet(**config)
    if kind == "convcnp-ref":
        from engine.models.refconvcnp import RefConvCNP
        return RefConvCNP(**config)
    raise ValueError(f"unknown model kind {kind!r}; choose one of: {', '.join(MODEL_KINDS)}")


def named_config(kind: str, name: str) -> dict:
    try:
        return CONFIGS[kind][name]
    except KeyError:
        raise ValueError(f"no configuration {name!r} for {kind}; choose one of: "
                         f"{', '.join(CONFIGS.get(kind, {}))}") from None
