"""The plugin's view of the engine's method registry: the same `MethodSpec`s the CLI uses,
plus whether each can run here and, if not, the exact fix. Both the Processing algorithms and
the dialog build their method lists from `method_choices()`, so they cannot disagree.

"Here" means the Python that runs the job (the worker's), asked without importing anything:
a method whose packages only QGIS's own Python lacks is offered, one whose packages the worker
lacks (OpenCV, PyTorch) is listed but refused before it starts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from engine.device import TORCH_REQUIREMENT
from engine.methods import (DEFAULT_METHOD, DEFAULT_REFERENCE_METHOD, FALLBACK_METHOD,
                            MethodSpec, list_methods)

from .deps import missing_message
from .worker.capabilities import importable

AUTO = "auto"  # the Processing option that picks like the CLI's `--method auto`


@dataclass(frozen=True)
class MethodChoice:
    spec: MethodSpec
    available: bool
    reason: str = ""  # why not available, with the fix; "" when available
    needs: str = ""   # what is missing, for the label ("PyTorch", "opencv-python-headless")

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def summary(self) -> str:
        return self.spec.summary

    @property
    def label(self) -> str:
        return self.spec.title if self.available else f"{self.spec.title} (needs {self.needs})"


def _choice(spec: MethodSpec) -> MethodChoice:
    if spec.needs_torch and not importable("torch"):
        return MethodChoice(spec, False, f"{spec.title} {missing_message('PyTorch', TORCH_REQUIREMENT)}",
                            "PyTorch")
    missing = [pip for module, pip in spec.requires if not importable(module)]
    if missing:
        names = ", ".join(pip.split("=")[0] for pip in missing)
        return MethodChoice(spec, False, f"{spec.title} {missing_message(names, *missing)}",
                            names)
    return MethodChoice(spec, True)


def method_choices(references: Optional[bool] = False) -> list:
    """Registered methods, in registry order, with their availability for the engine's Python:
    the single-image ones (references False), the ones that fill from other dates (True), or
    all (None)."""
    return [_choice(s) for s in list_methods()
            if references is None or s.uses_references == references]


def available_names(references: Optional[bool] = False) -> list:
    return [c.name for c in method_choices(references) if c.available]


def default_method(references: bool = False) -> str:
    """What "auto" picks (engine.methods.resolve_method's rule: the best measured method when
    its packages are there, else the fallback; DEFAULT_REFERENCE_METHOD with reference dates),
    decided from the worker's packages without importing torch anywhere: damaged weights of
    that method show up as the job's error, from the worker that loads them."""
    if references:
        return DEFAULT_REFERENCE_METHOD
    return DEFAULT_METHOD if choice(DEFAULT_METHOD).available else FALLBACK_METHOD


def choice(name: str) -> MethodChoice:
    for c in method_choices(None):
        if c.name == name:
            return c
    raise KeyError(name)


def methods_help_text(references: Optional[bool] = False) -> str:
    """One line per method for shortHelpString (plain text: qgis_process prints it as it is,
    the toolbox makes each line a paragraph): id, title, summary, availability."""
    return "\n".join(f"- {c.name} — {c.spec.title}: {c.spec.summary}"
                     + ("" if c.available else f" Not available: {c.reason}")
                     for c in method_choices(references))
