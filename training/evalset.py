"""Deterministic evaluation crops: for each test scene, up to N non-overlapping crops without
fill, each with its own seeded SLC-off mask at the scene's latitude (the same crops and masks
for every method), and the methods to score on them (classical from the engine registry, neural
from training checkpoints or the shipped weights)."""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from engine.gaps.simulate import SlcOffGeometry, mask_with_gaps, simulate_slc_off_mask
from engine.jobs.simulate import geometry_for

MIN_GAP_FRACTION = 0.05


@dataclass
class EvalCrop:
    scene: str
    region: str
    band_names: tuple
    truth: np.ndarray   # float32 (bands, s, s) normalised
    valid: np.ndarray   # bool (bands, s, s)
    gaps: np.ndarray    # bool (s, s)


def crop_positions(valid_all: np.ndarray, size: int, n: int) -> list:
    h, w = valid_all.shape
    cands = [(r, c) for r in range(0, h - size + 1, size) for c in range(0, w - size + 1, size)
             if valid_all[r:r + size, c:c + size].mean() >= 0.99]
    if len(cands) <= n:
        return cands
    idx = np.linspace(0, len(cands) - 1, n).round().astype(int)
    return [cands[i] for i in idx]


def eval_mask(size: int, geometry: SlcOffGeometry, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    limit = max(0.0, 1.0 - geometry.u_half_extent(size, size))
    return mask_with_gaps(
        lambda _: simulate_slc_off_mask(size, size, geometry, seed=int(rng.integers(2 ** 31)),
                                        center_u=float(rng.uniform(-limit, limit))),
        MIN_GAP_FRACTION, 50)


def scene_crops(loaded, size: int = 128, n: int = 16, seed: int = 0) -> list:
    geometry = geometry_for(loaded.profile)
    out = []
    for i, (r, c) in enumerate(crop_positions(loaded.valid.all(0), size, n)):
        sl = (slice(None), slice(r, r + size), slice(c, c + size))
        out.append(EvalCrop(loaded.spec.name, loaded.spec.region, loaded.band_names,
                            loaded.values[sl], loaded.valid[sl],
                            eval_mask(size, geometry, seed * 100_003 + i)))
    return out


class ClassicalMethod:
    def __init__(self, name: str):
        from engine.methods import get_method

        self.name, self.impl, self.has_std = name, get_method(name).factory("cpu"), False

    def __call__(self, values, known):
        return self.impl.fill(values, known).mean, None


class NeuralMethod:
    """A model from a training checkpoint (last.pt) or shipped weights (name in resources)."""

    def __init__(self, label: str, checkpoint: str = "", shipped: str = "", device: str = "cpu"):
        import torch

        from engine.models.factory import build_model
        from engine.models.inference import Predictor
        from engine.models.kinds import get_kind
        from engine.models.weights import load_model

        if shipped:
            model, card = load_model(shipped)
            kind, self.std_scale = card.kind, float(card.info.get("std_scale", 1.0))
        else:
            state = torch.load(checkpoint, map_location="cpu", weights_only=False)
            model = build_model(state["kind"], state["config"])
            model.load_state_dict(state["model"])
            kind, self.std_scale = state["kind"], 1.0
        self.name, self.kind = label, kind
        self.has_std = get_kind(kind).has_std
        self.predict = Predictor(model.eval(), device)

    def __call__(self, values, known):
        mean, std = self.predict(values, known)
        return mean, (None if std is None else std * self.std_scale)


def checkpoint_path(runs_dir: str, run: str) -> str:
    return os.path.join(runs_dir, run, "last.pt")
