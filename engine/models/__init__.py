"""Neural fill models (PyTorch) and the water network's loader. The registry of model kinds
(`kinds`), their typed configs (`configs`) and the card schema (`card`) import without torch, so
the QGIS plugin lists methods where torch is missing; the networks themselves need it.

Every fill model is band-agnostic: it takes `values` and `known` shaped (batch, bands, h, w) for
any band count and order, runs the same weights on every band (bands are folded into the batch)
and, where the config asks for it, mixes a permutation-invariant summary of the other bands into
each band's features (`band_mix`). It returns `(mean, std)` per band (std None for U-Nets).
"""
from engine.models.factory import MODEL_KINDS, build_model

__all__ = ["MODEL_KINDS", "build_model"]
