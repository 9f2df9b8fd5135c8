"""Fill methods, registered by name. Importing this package registers the built-in ones."""
from engine.methods.registry import FillResult, MethodSpec, get_method, list_methods, register

from engine.methods import classical  # noqa: F401  (registers navier-stokes, telea, idw)

__all__ = ["FillResult", "MethodSpec", "get_method", "list_methods", "register"]
