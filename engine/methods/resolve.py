"""What "auto" (or no method at all) means, decided in one place for the CLI, the water job and
the QGIS plugin: the best measured method where it can really run here, else the fallback that
needs nothing beyond the core set-up, with one line saying why."""
from __future__ import annotations

import importlib

from engine.device import TORCH_REQUIREMENT, resolve_device
from engine.errors import EngineError
from engine.methods import registry

AUTO = "auto"


def resolve_method(name: str | None, device: str = "auto", *, look_only: bool = False) -> tuple:
    """(registered method name, note). `name` None, "" or "auto" picks registry.DEFAULT_METHOD
    when `why_not_runnable` finds nothing, else registry.FALLBACK_METHOD with a note ("" when
    none); any other name is checked against the registry (unknown: InputError).

    look_only: decide without importing anything or reading weights, as the QGIS plugin must
    in its own process (importing torch there is what it avoids); the worker that runs the job
    resolves "auto" again for real."""
    if name and name != AUTO:
        return registry.get_method(name).name, ""
    default = registry.DEFAULT_METHOD
    why = why_not_runnable(registry.get_method(default), device, look_only=look_only)
    if not why:
        return default, ""
    return registry.FALLBACK_METHOD, (f"the default method {default} {why}; filled with "
                                      f"{registry.FALLBACK_METHOD}")


def why_not_runnable(spec: registry.MethodSpec, device: str = "auto", *,
                     look_only: bool = False) -> str:
    """"" when `spec` can run here, else why ("needs X (`pip install X`)", or "cannot run
    here (reason)"): its requirements must be installed and, unless look_only, import, and
    its shipped weights must match their card's checksum. A device that cannot exist (cuda
    asked for, none seen) is the caller's error, raised, not a reason to fall back."""
    missing = registry.missing_requirements(spec)
    if missing:
        return f"needs {', '.join(missing)} (`python -m pip install {' '.join(missing)}`)"
    if look_only:
        return ""
    try:
        for module, _ in _requirements(spec):
            importlib.import_module(module)
    except (ImportError, OSError) as exc:  # installed but broken (native library clash, ...)
        return f"cannot run here ({type(exc).__name__}: {exc})"
    if spec.needs_torch:
        resolve_device(device, True)
    if spec.weights:
        try:
            _verify_weights(spec.weights)
        except EngineError as exc:
            return f"cannot run here ({exc})"
    return ""


def _requirements(spec: registry.MethodSpec) -> list:
    return list(spec.requires) + ([("torch", TORCH_REQUIREMENT)]
                                  if spec.needs_torch else [])


def _verify_weights(name: str) -> None:
    from engine.models.weights import read_card
    from engine.resources import verify_sha256

    card = read_card(name)
    verify_sha256(card.weights, card.sha256, name)
