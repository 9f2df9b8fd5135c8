"""One registry of fill methods: the CLI, the runner, the QGIS plugin and the docs all read the
same `MethodSpec`, so a new model is added in one place and shows up everywhere."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Protocol

import numpy as np

from engine.device import TORCH_REQUIREMENT
from engine.errors import InputError


@dataclass(frozen=True)
class FillResult:
    """Filled values (bands, h, w) in the runner's normalised units; std where the model has one."""

    mean: np.ndarray
    std: Optional[np.ndarray] = None


class FillMethod(Protocol):
    """The interface of a single-image fill as the runner calls it, one tile at a time."""

    def fill(self, values: np.ndarray, known: np.ndarray,
             where: Optional[np.ndarray] = None) -> FillResult:
        """values: float32 (bands, h, w), roughly [0, 1] per band, 0 where unknown.
        known: bool (bands, h, w). Returns every pixel; the runner keeps only the gaps.

        `where` (bool like `known`, or None for every unknown pixel): the pixels whose values the
        caller keeps, the gaps of the tile's core. A method whose per-pixel work can be limited
        predicts there only and may return anything elsewhere: the nodata border outside a
        scene's footprint and the tile's halo are unknown too, but nobody keeps them. Methods
        whose result at a gap depends on the whole unknown region (inpainting) ignore it."""


@dataclass(frozen=True)
class MethodSpec:
    """Everything a front end needs to know about a fill method without building it: its name and
    texts for users, the halo that makes tiled fills seamless, what it needs installed, whether it
    gives an uncertainty or takes references; `factory(device)` builds it only when a job runs."""

    name: str                       # stable id used on the command line and in QGIS
    title: str                      # display name
    summary: str                    # one line for users: what it is, speed and quality
    halo_px: int                    # context each side of a tile the method needs to be seamless
    factory: Callable[[str], FillMethod]  # device name ("cpu", "cuda") -> ready method
    kind: str = "classical"         # "classical" or "neural"
    needs_torch: bool = False
    has_uncertainty: bool = False
    requires: tuple = ()            # (import name, pip requirement) pairs it cannot run without
    weights: str = ""               # name of its shipped weights card, "" when it has none
    uses_references: bool = False   # fills from other dates: fill(values, known, refs)


_REGISTRY: dict = {}
# The method used when none is named: the best measured one (docs/results.md) where it can run;
# else FALLBACK_METHOD, the best measured one that needs nothing beyond the core set-up.
DEFAULT_METHOD = "convcnp"
FALLBACK_METHOD = "idw"
# The method used when reference dates are given and none is named (docs/reference_fill.md).
DEFAULT_REFERENCE_METHOD = "nspi"


def register(spec: MethodSpec) -> MethodSpec:
    """Add a method at import time; a second method with the same name is a programming error
    (ValueError), not something to override silently."""
    if spec.name in _REGISTRY:
        raise ValueError(f"fill method {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def get_method(name: str) -> MethodSpec:
    """The spec of `name`; an unknown name is InputError listing the valid ones, since it usually
    comes from a user."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InputError(f"unknown method {name!r}; choose one of: {', '.join(_REGISTRY)}") from None


def list_methods() -> list:
    """Every registered method in registration order, the order the CLI help and the plugin show."""
    return list(_REGISTRY.values())


def reference_methods() -> list:
    """Names of the methods that fill from reference dates."""
    return [m.name for m in _REGISTRY.values() if m.uses_references]


def missing_requirements(spec: MethodSpec) -> list:
    """pip requirements of `spec` that are not importable here, without importing them (the
    QGIS plugin asks this inside QGIS, where importing torch is what we avoid)."""
    import importlib.util

    needs = list(spec.requires) + ([("torch", TORCH_REQUIREMENT)] if spec.needs_torch else [])
    return [pip for module, pip in needs if importlib.util.find_spec(module) is None]


def require(spec: MethodSpec) -> None:
    """Raise MissingDependency naming the exact install command when something is missing."""
    missing = missing_requirements(spec)
    if missing:
        from engine.errors import MissingDependency

        raise MissingDependency(f"method {spec.name} needs {', '.join(missing)}; install with "
                                f"`python -m pip install {' '.join(missing)}`")

