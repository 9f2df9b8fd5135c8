"""Neural fill methods with shipped weights: one per fill kind of the model-kind registry
(`engine.models.kinds`: ConvCNP, ConvLNP, U-Net, Partial-Convolution U-Net).

This module must import without torch (the QGIS plugin lists methods where torch is missing):
torch, the models and the weights load inside the factories. Every model is band-agnostic
(1-8 bands, any order: the same weights run on each band, with cross-band mixing of the other
bands' features), sees the runner's per-scene 1-99 % normalisation it was trained with, and
predicts every pixel (the runner keeps the gaps). Speed/quality numbers: docs/results.md.
"""
from __future__ import annotations

import numpy as np

from engine.methods.registry import FillResult, MethodSpec, register
from engine.models.kinds import FILL, ModelKind, kinds

# Context each side of a tile: the fast models' U-Net sees ~+-50 px and is pooled on an 8-px
# grid, the line interpolants look 24 rows (and up to 24 columns) away; a multiple of 8 keeps
# tile origins on the pooling grid, so tiled and untiled fills agree.
NEURAL_HALO_PX = 48


class NeuralFill:
    """A shipped network as a `FillMethod`: the predictor gives mean and std, and the std is
    multiplied by the model card's `std_scale` (calibrated after training) so that mean +- 2 std
    holds about 95 % of gap pixels, as calibrated. Models without a std give the mean only."""

    def __init__(self, predictor, has_std: bool, std_scale: float = 1.0):
        self.predictor, self.has_std, self.std_scale = predictor, has_std, std_scale

    def fill(self, values: np.ndarray, known: np.ndarray, where=None) -> FillResult:
        return self.fill_many([(values, known, where)])[0]

    @property
    def batches_tiles(self) -> bool:
        """Whether tiles in one call give what they give alone (not ConvLNP's latent draws)."""
        return self.predictor.batches_tiles

    def fill_many(self, tiles: list) -> list:
        """`fill` for several (values, known, where) tiles of one shape in one model call: what
        the runner does on a GPU (`RunOptions.tile_batch`)."""
        return [self._result(mean, std) for mean, std in self.predictor.many(tiles)]

    def _result(self, mean, std) -> FillResult:
        if not self.has_std or std is None:
            return FillResult(mean)
        return FillResult(mean, (std * self.std_scale).astype(np.float32))


def _factory(name: str, has_std: bool):
    def make(device: str) -> NeuralFill:
        from engine.models.inference import Predictor
        from engine.models.weights import load_model

        model, card = load_model(name)
        return NeuralFill(Predictor(model, device), has_std,
                          float(card.info.get("std_scale", 1.0)))
    return make


def _spec(kind: ModelKind) -> MethodSpec:
    return MethodSpec(name=kind.name, title=kind.title, summary=kind.summary,
                      halo_px=NEURAL_HALO_PX, factory=_factory(kind.name, kind.has_std),
                      kind="neural", needs_torch=True, has_uncertainty=kind.has_std,
                      requires=(("safetensors", "safetensors==0.5.3"),), weights=kind.name)


for _kind in kinds(FILL):
    register(_spec(_kind))
