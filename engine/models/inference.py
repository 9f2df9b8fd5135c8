"""Running a model on numpy arrays: device placement, channels-last memory, bf16 autocast on
CPUs that have it (about 4x faster than float32 convolutions on AVX-512-BF16 cores), band
chunking so memory stays bounded for 8-band tiles, and several tiles in one call with
pinned-memory transfers where a GPU runs the model (one tile per call keeps a GPU idle between
small kernels; on a CPU a tile already fills the cores, so the runner sends them one by one)."""
from __future__ import annotations

import numpy as np
import torch

MAX_BAND_BATCH = 4  # bands run together (folded into the batch); bounds peak memory


def cpu_has_bf16() -> bool:
    """Whether oneDNN supports bfloat16 on this CPU (AVX-512-BF16): only then do the models run
    their convolutions under bf16 autocast (2-4x faster there); other CPUs use float32."""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:
        return False


class Predictor:
    """Wraps an eval-mode model; `__call__(values, known)` -> (mean, std|None) float32 numpy,
    predicted at the unknown pixels (what a fill and every score use); at observed pixels a
    model that predicts where asked (`predicts_at`) returns the input value and std 0."""

    def __init__(self, model: torch.nn.Module, device: str = "cpu", bf16: bool | None = None,
                 seed: int = 0):
        self.device = torch.device(device)
        self.model = model.to(self.device).eval().to(memory_format=torch.channels_last)
        if bf16 is None:
            bf16 = self.device.type == "cpu" and cpu_has_bf16()
        self.autocast = bf16
        self.seed = seed

    @property
    def batches_tiles(self) -> bool:
        """Whether several tiles in one call give each tile what it gets alone: not for a model
        that draws latent samples (one generator serves the whole batch, so a tile's draws
        would depend on its batch)."""
        return getattr(self.model, "batches_tiles", True)

    def __call__(self, values: np.ndarray, known: np.ndarray, where: np.ndarray | None = None):
        """`where` (bool like `known`): the pixels to predict, for models that can limit their
        per-pixel work (`predicts_at`); None means every unknown pixel, what the scores use."""
        return self.many([(values, known, where)])[0]

    def many(self, tiles: list) -> list:
        """(mean, std|None) for each (values, known, where) of `tiles`, all of one shape, run
        through the model together (a model that cannot batch them runs them one by one)."""
        if len(tiles) > 1 and not self.batches_tiles:
            return [self.many([tile])[0] for tile in tiles]
        assert len({t[2] is None for t in tiles}) == 1, "where for every tile or for none"
        if len(tiles) > 1 and self.device.type == "cuda":
            try:
                return self._many(tiles)
            except torch.cuda.OutOfMemoryError:   # a smaller GPU: halve the batch
                torch.cuda.empty_cache()
                half = len(tiles) // 2
                return self.many(tiles[:half]) + self.many(tiles[half:])
        return self._many(tiles)

    def _many(self, tiles: list) -> list:
        """`many` in one model call per band chunk."""
        means, stds = [[] for _ in tiles], [[] for _ in tiles]
        # models whose bands never meet say so (`max_band_batch`); the others mix the bands of
        # a chunk, so their chunk size is part of what they compute
        step = getattr(self.model, "max_band_batch", MAX_BAND_BATCH)
        for b0 in range(0, tiles[0][0].shape[0], step):
            cut = slice(b0, b0 + step)
            where = None if tiles[0][2] is None else np.stack([t[2][cut] for t in tiles])
            mean, std = self._run(np.stack([t[0][cut] for t in tiles]),
                                  np.stack([t[1][cut] for t in tiles]), where)
            for i in range(len(tiles)):
                means[i].append(mean[i])
                stds[i].append(None if std is None else std[i])
        return [(np.concatenate(m), None if s[0] is None else np.concatenate(s))
                for m, s in zip(means, stds)]

    def _tensor(self, array: np.ndarray, dtype) -> torch.Tensor:
        """On the model's device; to a GPU through page-locked memory, asynchronously (the copy
        overlaps the work queued before it)."""
        t = torch.from_numpy(np.ascontiguousarray(array, dtype))
        if self.device.type != "cuda":
            return t
        return t.pin_memory().to(self.device, non_blocking=True)

    def _run(self, values: np.ndarray, known: np.ndarray, where: np.ndarray | None):
        """The model on (tiles, bands, h, w) arrays; numpy (mean, std|None) of the same shape."""
        v, k = self._tensor(values, np.float32), self._tensor(known, bool)
        gen = torch.Generator(device=self.device).manual_seed(self.seed)
        # a fill keeps every observed pixel: models that can, predict the others only
        hint = {}
        if getattr(self.model, "predicts_at", False):
            hint["at"] = ~k if where is None else self._tensor(where, bool)
        dev_type = self.device.type
        with torch.inference_mode(), torch.autocast(dev_type, dtype=torch.bfloat16,
                                                    enabled=self.autocast):
            mean, std = self.model(v, k, generator=gen, **hint)
        mean = mean.float().cpu().numpy()
        std = None if std is None else std.float().cpu().numpy()
        return mean, std
