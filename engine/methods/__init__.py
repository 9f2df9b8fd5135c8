"""Fill methods, registered by name. Importing this package registers the built-in ones."""
from engine.methods.registry import (DEFAULT_METHOD, DEFAULT_REFERENCE_METHOD, FALLBACK_METHOD,
                                     FillResult, MethodSpec, get_method, list_methods,
                                     missing_requirements, reference_methods, register,
                                     require)

from engine.methods import classical  # noqa: F401  (registers navier-stokes, telea, idw)
from engine.methods import neural  # noqa: F401  (one method per fill model kind; torch imported lazily)
from engine.methods import from_dates  # noqa: F401  (registers nspi, llhm)
from engine.methods import neural_from_dates  # noqa: F401  (convcnp-ref, where its weights ship)
from engine.methods.resolve import AUTO, resolve_method, why_not_runnable

__all__ = ["AUTO", "DEFAULT_METHOD", "DEFAULT_REFERENCE_METHOD", "FALLBACK_METHOD", "FillResult",
           "MethodSpec", "get_method", "list_methods", "missing_requirements",
           "reference_methods", "register", "require", "resolve_method", "why_not_runnable"]
