"""Gap fills from other dates of the same place (NSPI, USGS local linear histogram matching),
registered in engine.methods.from_dates. Each takes the single-image fill to use where no
reference can help as its `fallback`.
"""
from engine.methods.reference.llhm import LlhmFill
from engine.methods.reference.nspi import NspiFill
from engine.methods.reference.priority import nearest_first
from engine.methods.reference.types import Fallback, Reference, ReferenceFill

__all__ = ["Fallback", "LlhmFill", "NspiFill", "Reference", "ReferenceFill", "nearest_first"]
