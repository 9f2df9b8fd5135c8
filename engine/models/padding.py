"""Padding a feature map to the pooling grid of a network: every model pads before it runs and
crops after, so any tile size works."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def pad_features(x: torch.Tensor, multiple: int):
    """Zero-pad (b, c, h, w) bottom/right to multiples of `multiple`: zero density = no data."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    return (F.pad(x, (0, pw, 0, ph)) if ph or pw else x), h, w
