"""The learned fill from reference dates (`convcnp-ref`, engine.models.refconvcnp): a ConvCNP
whose context also holds every reference date the runner reads for the tile, with its own
validity mask and its time apart. Registered only where its trained weights ship (a method
without weights would promise what it cannot do); torch loads inside the factory."""
from __future__ import annotations

import math
import os
from typing import Sequence

import numpy as np

from engine.methods.neural import NEURAL_HALO_PX
from engine.methods.reference.types import Reference
from engine.methods.registry import FillResult, MethodSpec, register
from engine.models.kinds import FILL_FROM_DATES, kinds
from engine.resources import WEIGHTS_DIR

MAX_BAND_BATCH = 4   # bands run together; bounds peak memory as for the single-image models


def _days(value: float) -> float:
    """An unknown date (NaN) counts as the same time: the model then judges the reference by
    its pixels alone."""
    return 0.0 if value is None or math.isnan(value) else float(value)


class ReferenceNeuralFill:
    """The reference-conditioned network as a `ReferenceFill`: bands run four at a time (bounding
    memory as the single-image models do), bf16 autocast on CPUs that have it, and the std scaled
    by the card's calibrated `std_scale`. With no reference it gives the backbone's single-image
    fill."""

    def __init__(self, model, device: str, std_scale: float):
        import torch

        from engine.models.inference import cpu_has_bf16

        self.torch, self.device = torch, torch.device(device)
        self.model = model.to(self.device).eval().to(memory_format=torch.channels_last)
        self.bf16 = self.device.type == "cpu" and cpu_has_bf16()
        self.std_scale = std_scale

    def fill(self, values: np.ndarray, known: np.ndarray, refs: Sequence[Reference],
             where: np.ndarray | None = None) -> FillResult:
        means, stds = [], []
        for b0 in range(0, values.shape[0], MAX_BAND_BATCH):
            cut = slice(b0, b0 + MAX_BAND_BATCH)
            mean, std = self._run(values[cut], known[cut], refs, cut,
                                  None if where is None else where[cut])
            means.append(mean)
            stds.append(std)
        return FillResult(np.concatenate(means),
                          (np.concatenate(stds) * self.std_scale).astype(np.float32))

    def _run(self, values, known, refs, cut, where):
        torch = self.torch
        t = lambda a, dtype: torch.from_numpy(np.ascontiguousarray(a, dtype)).to(self.device)
        inputs = {}
        if refs:
            inputs = {"ref_values": t(np.stack([r.values[cut] for r in refs]), np.float32)[None],
                      "ref_known": t(np.stack([r.known[cut] for r in refs]), bool)[None],
                      "ref_days": torch.tensor([[_days(r.days_apart) for r in refs]],
                                               device=self.device),
                      "ref_doy": torch.tensor([[_days(r.doy) for r in refs]],
                                              device=self.device)}
        with torch.inference_mode(), torch.autocast(self.device.type, dtype=torch.bfloat16,
                                                    enabled=self.bf16):
            k = t(known, bool)[None]
            # a fill keeps the gaps only: the heads run there (every unknown pixel when the
            # caller does not say)
            if getattr(self.model, "predicts_at", False):
                inputs["at"] = ~k if where is None else t(where, bool)[None]
            mean, std = self.model(t(values, np.float32)[None], k, **inputs)
        return mean.float()[0].cpu().numpy(), std.float()[0].cpu().numpy()


def _factory(name: str):
    def make(device: str) -> ReferenceNeuralFill:
        from engine.models.weights import load_model

        model, card = load_model(name)
        return ReferenceNeuralFill(model, device, float(card.info.get("std_scale", 1.0)))
    return make


for _kind in kinds(FILL_FROM_DATES):
    if os.path.exists(os.path.join(WEIGHTS_DIR, f"{_kind.name}.json")):
        register(MethodSpec(name=_kind.name, title=_kind.title, summary=_kind.summary,
                            halo_px=NEURAL_HALO_PX, factory=_factory(_kind.name), kind="neural",
                            needs_torch=True, has_uncertainty=_kind.has_std,
                            requires=(("safetensors", "safetensors==0.5.3"),),
                            weights=_kind.name, uses_references=True))
