"""Neural fill methods (ConvCNP, ConvLNP, U-Net, Partial-Convolution U-Net) with shipped weights.

This module must import without torch (the QGIS plugin lists methods where torch is missing):
torch, the models and the weights load inside the factories. Every model is band-agnostic
(1-8 bands, any order: the same weights run on each band, with cross-band mixing of the other
bands' features), sees the runner's per-scene 1-99 % normalisation it was trained with, and
predicts every pixel (the runner keeps the gaps). Speed/quality numbers: docs/results.md.
"""
from __future__ import annotations

import numpy as np

from engine.methods.registry import FillResult, MethodSpec, register

# Context each side of a tile: the fast models' U-Net sees ~+-50 px and is pooled on an 8-px
# grid, the line interpolants look 24 rows (and up to 24 columns) away; a multiple of 8 keeps
# tile origins on the pooling grid, so tiled and untiled fills agree.
NEURAL_HALO_PX = 48


class NeuralFill:
    def __init__(self, predictor, has_std: bool, std_scale: float = 1.0):
        self.predictor, self.has_std, self.std_scale = predictor, has_std, std_scale

    def fill(self, values: np.ndarray, known: np.ndarray) -> FillResult:
        mean, std = self.predictor(values, known)
        if not self.has_std or std is None:
            return FillResult(mean)
        return FillResult(mean, (std * self.std_scale).astype(np.float32))


def _factory(name: str, has_std: bool):
    def make(device: str) -> NeuralFill:
        from engine.models.inference import Predictor
        from engine.models.weights import load_model

        model, card = load_model(name)
        return NeuralFill(Predictor(model, device), has_std, float(card.get("std_scale", 1.0)))
    return make


def _spec(name: str, title: str, summary: str, has_std: bool) -> MethodSpec:
    return MethodSpec(name=name, title=title, summary=summary, halo_px=NEURAL_HALO_PX,
                      factory=_factory(name, has_std), kind="neural", needs_torch=True,
                      has_uncertainty=has_std,
                      requires=(("safetensors", "safetensors==0.5.3"),), weights=name)


register(_spec("convcnp", "ConvCNP (convolutional neural process)",
               "Neural process (line interpolants + U-Net) with a per-pixel std; the best "
               "measured fill (docs/results.md), about 0.5 Mpx/s for 3 bands on 2 CPU cores; "
               "needs PyTorch.", True))
register(_spec("convlnp", "ConvLNP (latent convolutional neural process)",
               "Neural process with a sampled latent map (8 samples averaged) and a std; "
               "about 8x slower than convcnp; needs PyTorch.", True))
register(_spec("unet", "U-Net", "Plain U-Net inpainting baseline; needs PyTorch.", False))
register(_spec("partialconv", "Partial-convolution U-Net",
               "Partial-convolution inpainting baseline (Liu et al. 2018); needs PyTorch.", False))
