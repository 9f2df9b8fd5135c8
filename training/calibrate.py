"""Post-hoc calibration of a neural process's std on crops of its TRAINING scenes (never the
test scenes): the factor s such that 95.45 % of gap pixels have |error| <= 2 s std, i.e. a
nominal Gaussian 2-sigma coverage. Stored in the model card as `std_scale`; the coverage on
held-out scenes is then measured by training.evaluate and reported."""
from __future__ import annotations

import numpy as np

from training.evalset import scene_crops
from training.regions import SCENES
from training.scenes import load_scene

CALIBRATION_SEED = 99  # evaluation uses the fold number; different masks and crop phase


def std_scale(predict, train_scene_names: list, crops_per_scene: int = 8, size: int = 128,
              **load_kw) -> tuple:
    """(scale, coverage before scaling) for `predict(values, known) -> (mean, std)`."""
    by_name = {s.name: s for s in SCENES}
    zs = []
    for name in train_scene_names:
        scene = load_scene(by_name[name], **load_kw)
        for crop in scene_crops(scene, size, crops_per_scene, seed=CALIBRATION_SEED):
            known = crop.valid & ~crop.gaps[None]
            mean, std = predict(np.where(known, crop.truth, 0).astype(np.float32), known)
            gaps = crop.gaps[None] & crop.valid
            zs.append(np.abs(mean - crop.truth)[gaps] / np.maximum(std[gaps], 1e-6))
    z = np.concatenate(zs)
    return float(np.percentile(z, 95.45) / 2), float(np.mean(z <= 2))
