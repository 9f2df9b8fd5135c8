"""Random training crops (64 or 128 px) from region-split scenes, with SLC-off gaps burned in.

An item is a dict of tensors: `values` (slots, s, s) clean normalised bands, `valid` (slots, s, s)
(the scene's own validity), `gaps` (s, s) the simulated gap mask, `band_weight` (slots,) 1 for
active band slots. A crop draws 1..slots bands of its scene in random order (so the models see
single bands, pairs, RGB, NIR/SWIR... and learn to be band-count agnostic); inactive slots are
zero and weigh nothing. Items are a pure function of (seed, epoch, index): resumable and
identical across DataLoader workers and DDP ranks."""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from training.masks import sample_mask

MAX_INVALID_FRACTION = 0.01
ACTIVE_BANDS_P = {1: 0.15, 2: 0.15, 3: 0.70}


class CropDataset(Dataset):
    def __init__(self, scenes: list, size: int, length: int, seed: int = 0, slots: int = 3,
                 real_mask: np.ndarray | None = None, p_real: float = 0.0,
                 area_power: float = 0.7):
        self.scenes, self.size, self.length, self.seed = scenes, size, length, seed
        self.slots, self.real_mask, self.p_real = slots, real_mask, p_real
        self.epoch = 0
        areas = np.array([s.valid.all(0).sum() for s in scenes], dtype=np.float64)
        self.p_scene = areas ** area_power / (areas ** area_power).sum()
        # integral images of "any band invalid" for fast rejection of crops with fill
        self._bad = [np.pad((~s.valid.all(0)).astype(np.int32).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
                     for s in scenes]

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def _position(self, rng, k: int):
        s, bad = self.size, self._bad[k]
        h, w = self.scenes[k].values.shape[1:]
        for _ in range(50):
            r, c = int(rng.integers(0, h - s + 1)), int(rng.integers(0, w - s + 1))
            n_bad = bad[r + s, c + s] - bad[r, c + s] - bad[r + s, c] + bad[r, c]
            if n_bad <= MAX_INVALID_FRACTION * s * s:
                return r, c
        return r, c

    def __getitem__(self, index: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        k = int(rng.choice(len(self.scenes), p=self.p_scene))
        scene = self.scenes[k]
        r, c = self._position(rng, k)
        nb = scene.values.shape[0]
        counts, probs = zip(*ACTIVE_BANDS_P.items())
        active = min(int(rng.choice(counts, p=probs)), nb, self.slots)
        bands = rng.choice(nb, size=active, replace=False)
        s = self.size
        values = np.zeros((self.slots, s, s), np.float32)
        valid = np.zeros((self.slots, s, s), bool)
        values[:active] = scene.values[bands, r:r + s, c:c + s]
        valid[:active] = scene.valid[bands, r:r + s, c:c + s]
        rot, flip = int(rng.integers(4)), bool(rng.integers(2))
        values, valid = np.rot90(values, rot, (1, 2)), np.rot90(valid, rot, (1, 2))
        if flip:
            values, valid = values[:, :, ::-1], valid[:, :, ::-1]
        gaps = sample_mask(rng, s, self.real_mask, self.p_real)
        weight = np.zeros(self.slots, np.float32)
        weight[:active] = 1
        return {"values": torch.from_numpy(np.ascontiguousarray(values)),
                "valid": torch.from_numpy(np.ascontiguousarray(valid)),
                "gaps": torch.from_numpy(np.ascontiguousarray(gaps)),
                "band_weight": torch.from_numpy(weight)}
