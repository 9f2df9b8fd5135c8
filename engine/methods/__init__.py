"""Fill methods, registered by name. Importing this package registers the built-in ones."""
from engine.methods.registry import (DEFAULT_METHOD, FALLBACK_METHOD, FillResult, MethodSpec,
                                     default_method, get_method, list_methods,
                                     missing_requirements, register, require)

from engine.methods import classical  # noqa: F401  (registers navier-stokes, telea, idw)
from engine.methods import neural  # noqa: F401  (one method per fill model kind; torch imported lazily)

__all__ = ["DEFAULT_METHOD", "FALLBACK_METHOD", "FillResult", "MethodSpec", "default_method",
           "get_method", "list_methods",
           "missing_requirements", "register", "require"]
