"""Training crops for the reference-conditioned model: a target date with simulated SLC-off
gaps burned in, plus 0-3 other dates of the same place as references, each with its REAL
validity (its own gaps, clouds, fill) and its own normalisation.

Every date of a region serves as target and as reference (pairs in both directions); the
number of references is drawn per crop (0 included) so one model learns every case; bands are
drawn as in `training.dataset` (1-3 of the target's, random order) and matched in the
references by what they measure. An item is a pure function of (seed, epoch, index), so runs
resume exactly and DDP ranks agree. Reference slots beyond the drawn count are unknown
everywhere (the model ignores them by construction)."""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from training.dataset import ACTIVE_BANDS_P
from training.masks import sample_mask
from training.ref_scenes import days_apart, matched_bands

MAX_REFS = 3
REFS_P = {0: 0.15, 1: 0.45, 2: 0.25, 3: 0.15}
MAX_INVALID = 0.01           # of a clean target crop
MAX_INVALID_SLC_OFF = 0.40   # a target with real SLC-off gaps always has some
MIN_TARGET_VALID = 0.5       # dates mostly cloud (Menindee 2010-02-01) are references only


class RefCropDataset(Dataset):
    def __init__(self, groups: dict, size: int, length: int, seed: int = 0, slots: int = 3,
                 real_mask: np.ndarray | None = None, p_real: float = 0.0,
                 area_power: float = 0.7):
        self.size, self.length, self.seed, self.slots = size, length, seed, slots
        self.real_mask, self.p_real, self.epoch = real_mask, p_real, 0
        self.targets = []        # (region, index of the target within its group)
        self.groups = groups
        areas = []
        for region, scenes in groups.items():
            for i, s in enumerate(scenes):
                frac = float(s.valid.all(0).mean())
                if frac >= MIN_TARGET_VALID and len(scenes) > 1:
                    self.targets.append((region, i))
                    areas.append(s.valid.all(0).sum())
        areas = np.asarray(areas, np.float64)
        self.p_target = areas ** area_power / (areas ** area_power).sum()
        self._bad = {key: np.pad((~groups[key[0]][key[1]].valid.all(0)).astype(np.int32)
                                 .cumsum(0).cumsum(1), ((1, 0), (1, 0))) for key in self.targets}

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def _position(self, rng, key, limit: float):
        s, bad = self.size, self._bad[key]
        h, w = self.groups[key[0]][key[1]].values.shape[1:]
        for _ in range(50):
            r, c = int(rng.integers(0, h - s + 1)), int(rng.integers(0, w - s + 1))
            n_bad = bad[r + s, c + s] - bad[r, c + s] - bad[r + s, c] + bad[r, c]
            if n_bad <= limit * s * s:
                break
        return r, c

    def __getitem__(self, index: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        region, ti = self.targets[int(rng.choice(len(self.targets), p=self.p_target))]
        scenes = self.groups[region]
        target = scenes[ti]
        limit = MAX_INVALID_SLC_OFF if "SLC-off" in target.sensor else MAX_INVALID
        r, c = self._position(rng, (region, ti), limit)
        s = self.size
        win = (slice(r, r + s), slice(c, c + s))
        nb = target.values.shape[0]
        counts, probs = zip(*ACTIVE_BANDS_P.items())
        active = min(int(rng.choice(counts, p=probs)), nb, self.slots)
        bands = rng.choice(nb, size=active, replace=False)
        others = [i for i in range(len(scenes)) if i != ti]
        n_ref_p = np.array([REFS_P[k] for k in range(MAX_REFS + 1)])
        n_ref = min(int(rng.choice(MAX_REFS + 1, p=n_ref_p)), len(others))
        refs = [others[i] for i in rng.permutation(len(others))[:n_ref]]
        values = np.zeros((self.slots, s, s), np.float32)
        valid = np.zeros((self.slots, s, s), bool)
        values[:active] = target.values[bands][:, win[0], win[1]]
        valid[:active] = target.valid[bands][:, win[0], win[1]]
        ref_values = np.zeros((MAX_REFS, self.slots, s, s), np.float32)
        ref_known = np.zeros((MAX_REFS, self.slots, s, s), bool)
        ref_days = np.zeros(MAX_REFS, np.float32)
        ref_doy = np.zeros(MAX_REFS, np.float32)
        for j, ri in enumerate(refs):
            rv, rk = matched_bands(target, scenes[ri], bands)
            ref_values[j, :active] = rv[:, win[0], win[1]]
            ref_known[j, :active] = rk[:, win[0], win[1]]
            ref_days[j], ref_doy[j] = days_apart(target.date, scenes[ri].date)
        rot, flip = int(rng.integers(4)), bool(rng.integers(2))
        arrays = [np.rot90(a, rot, (-2, -1)) for a in (values, valid, ref_values, ref_known)]
        if flip:
            arrays = [a[..., ::-1] for a in arrays]
        gaps = sample_mask(rng, s, self.real_mask, self.p_real)
        weight = np.zeros(self.slots, np.float32)
        weight[:active] = 1
        t = [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]
        return {"values": t[0], "valid": t[1], "gaps": torch.from_numpy(np.ascontiguousarray(gaps)),
                "band_weight": torch.from_numpy(weight), "ref_values": t[2], "ref_known": t[3],
                "ref_days": torch.from_numpy(ref_days), "ref_doy": torch.from_numpy(ref_doy)}
