"""Training batches: random crops of the real scenes (never touching a held-out box), three date
slots per sample (dates shuffled; a 2-date scene gets one empty slot, i.e. a fully clouded date;
sometimes a Menindee date is dropped), and one input kind per sample: clean, corrupted
(simulated SLC-off gaps left as nodata) or imputed (gaps filled by a classical method through the
engine's runner). Labels are always the teacher's on the clean dates of the sample."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.gaps.simulate import mask_with_gaps, simulate_slc_off_mask
from engine.gaps.validity import invalid_mask
from engine.jobs.simulate import geometry_for
from engine.water.classes import seasonality
from training.water.data import WaterScene

SLOTS = 3
HOLDOUT_MARGIN_PX = 32
# a corrupted training date needs at least this share of gap pixels (5 draws, else the last)
CORRUPT_MIN_GAP_FRACTION = 0.08
# Input kinds for the "augmented" training (clean-only training uses only "clean").
KIND_PROBS = {"clean": 0.4, "corrupted": 0.2, "imputed": 0.4}


@dataclass
class Batch:
    refl: np.ndarray    # (B, SLOTS, 3, c, c) float32
    valid: np.ndarray   # (B, SLOTS, c, c) bool
    target: np.ndarray  # (B, c, c) int64, class - 1, -1 = not labelled


class Sampler:
    def __init__(self, scenes: list, scene_probs: dict, variants: dict | None, crop_px: int,
                 augmented: bool, seed: int = 0):
        self.scenes = scenes
        self.probs = np.array([scene_probs[s.name] for s in scenes], float)
        self.probs /= self.probs.sum()
        self.variants = variants or {}
        self.crop = crop_px
        self.augmented = augmented
        self.rng = np.random.default_rng(seed)
        self.clean_invalid = {s.name: s.invalid() for s in scenes}
        self.water_px = {s.name: self._water_pixels(s) for s in scenes}
        self.geometry = {s.name: geometry_for(s.profile) for s in scenes}

    def _water_pixels(self, s: WaterScene) -> np.ndarray:
        any_water = s.water.any(0)
        pts = np.argwhere(any_water)
        if len(pts) > 20000:
            pts = pts[self.rng.choice(len(pts), 20000, replace=False)]
        return pts

    def batch(self, n: int) -> Batch:
        items = [self.sample() for _ in range(n)]
        return Batch(*(np.stack(x) for x in zip(*items)))

    def sample(self):
        s = self.scenes[self.rng.choice(len(self.scenes), p=self.probs)]
        r0, c0 = self._origin(s)
        win = (slice(r0, r0 + self.crop), slice(c0, c0 + self.crop))
        slots = self._slots(s.raw.shape[0])
        kind = "clean"
        if self.augmented:
            kind = self.rng.choice(list(KIND_PROBS), p=list(KIND_PROBS.values()))
        c = self.crop
        refl = np.zeros((SLOTS, 3, c, c), np.float32)
        valid = np.zeros((SLOTS, c, c), bool)
        no_truth = np.zeros((c, c), bool)
        used = [t for t in slots if t is not None]
        clean_valid = ~self.clean_invalid[s.name][used][(slice(None),) + win]
        for k, t in enumerate(slots):
            if t is None:
                continue
            raw = self._input(s, t, kind, win, r0, c0)
            inv = invalid_mask(raw, s.profile.nodata, s.profile.zero_fill).any(0)
            refl[k] = np.where(inv, 0.0, s.calibrations[t].apply(raw))
            valid[k] = ~inv
            no_truth |= self.clean_invalid[s.name][t][win] & ~inv
        labels = seasonality(s.water[used][(slice(None),) + win], clean_valid)
        target = labels.astype(np.int64) - 1
        target[no_truth] = -1
        return self._flip(refl, valid, target)

    def _origin(self, s: WaterScene) -> tuple:
        a0, b0, a1, b1 = s.allowed
        c = self.crop
        for _ in range(100):
            if self.rng.random() < 0.5 and len(self.water_px[s.name]):
                r, col = self.water_px[s.name][self.rng.integers(len(self.water_px[s.name]))]
                r0 = int(np.clip(r - self.rng.integers(c), a0, a1 - c))
                c0 = int(np.clip(col - self.rng.integers(c), b0, b1 - c))
            else:
                r0 = int(self.rng.integers(a0, a1 - c + 1))
                c0 = int(self.rng.integers(b0, b1 - c + 1))
            if not self._touches_holdout(s, r0, c0):
                return r0, c0
        raise RuntimeError(f"no training crop found in {s.name}")

    def _touches_holdout(self, s: WaterScene, r0: int, c0: int) -> bool:
        if s.test_box is None:
            return False
        t0, u0, t1, u1 = s.test_box
        m, c = HOLDOUT_MARGIN_PX, self.crop
        return r0 < t1 + m and r0 + c > t0 - m and c0 < u1 + m and c0 + c > u0 - m

    def _slots(self, n_dates: int) -> list:
        dates = list(self.rng.permutation(n_dates))
        if n_dates >= SLOTS and self.rng.random() < 0.3:
            dates[self.rng.integers(SLOTS)] = None
        while len(dates) < SLOTS:
            dates.insert(int(self.rng.integers(len(dates) + 1)), None)
        return [None if d is None else int(d) for d in dates[:SLOTS]]

    def _input(self, s: WaterScene, t: int, kind: str, win, r0: int, c0: int) -> np.ndarray:
        raw = s.raw[t][(slice(None),) + win]
        if kind == "imputed" and self.variants.get(s.name):
            options = self.variants[s.name][t]
            _, _, filled = options[self.rng.integers(len(options))]
            return np.asarray(filled[(slice(None),) + win])
        if kind in ("corrupted", "imputed"):
            h, w = s.shape
            mask = mask_with_gaps(
                lambda _: simulate_slc_off_mask(self.crop, self.crop, self.geometry[s.name],
                                                seed=int(self.rng.integers(1 << 30)),
                                                row_offset=r0, col_offset=c0, scene_height=h,
                                                scene_width=w),
                CORRUPT_MIN_GAP_FRACTION, 5)
            raw = raw.copy()
            raw[:, mask] = np.asarray(s.profile.nodata).astype(raw.dtype)
        return raw

    def _flip(self, refl, valid, target):
        k = int(self.rng.integers(4))
        refl, valid, target = (np.rot90(refl, k, (-2, -1)), np.rot90(valid, k, (-2, -1)),
                               np.rot90(target, k, (-2, -1)))
        if self.rng.random() < 0.5:
            refl, valid, target = refl[..., ::-1], valid[..., ::-1], target[..., ::-1]
        return (np.ascontiguousarray(refl), np.ascontiguousarray(valid),
                np.ascontiguousarray(target))
