"""Registry entries of the fills that use reference dates (NSPI, LLHM). Where no reference can
predict a gap pixel (no reference valid there, or none given) they fall back to the engine's
single-image default, so giving a reference never costs a pixel its fill."""
from __future__ import annotations

from engine.methods.reference.llhm import HALO_PX as LLHM_HALO_PX
from engine.methods.reference.nspi import HALO_PX as NSPI_HALO_PX
from engine.methods.registry import MethodSpec, get_method, register

# Context each side of a tile: the most of the fallback's (the neural default needs 48 px)
# and the method's own window, so tiles give the whole-scene answer.
FALLBACK_HALO_PX = 48


def _fallback(device: str):
    """The single-image default that can run here (resolve_method's answer to "auto")."""
    from engine.methods.resolve import AUTO, resolve_method

    name, _ = resolve_method(AUTO, device)
    return get_method(name).factory(device).fill


def _nspi(device: str):
    from engine.methods.reference import NspiFill

    return NspiFill(_fallback(device))


def _llhm(device: str):
    from engine.methods.reference import LlhmFill

    return LlhmFill(_fallback(device))


register(MethodSpec(
    name="nspi", title="NSPI (neighborhood similar pixel interpolator, reference dates)",
    summary="Fills each gap pixel from pixels that look alike on a reference date (Chen et al. "
            "2011); needs reference dates; the single-image default where no reference is valid.",
    halo_px=max(FALLBACK_HALO_PX, NSPI_HALO_PX), factory=_nspi, uses_references=True))
register(MethodSpec(
    name="llhm", title="LLHM (local linear histogram matching, reference dates)",
    summary="The USGS SLC-off phase-2 method: a reference date matched to the target by a "
            "local gain and bias; needs reference dates; the single-image default elsewhere.",
    halo_px=max(FALLBACK_HALO_PX, LLHM_HALO_PX), factory=_llhm, uses_references=True))
