"""One error hierarchy, so every front end (CLI, QGIS, training) can translate engine failures
into a one-line message at its edge instead of a traceback."""


class EngineError(Exception):
    """Root of every error the engine raises on purpose; the message is written for a user."""


class InputError(EngineError, ValueError):
    """The input (raster, product folder, mask, option) cannot be used as given."""


class OutputError(EngineError, OSError):
    """The output cannot be written where the user asked."""


class Cancelled(EngineError):
    """The caller's cancel token fired; no output was left behind."""


class MissingDependency(EngineError, ImportError):
    """An optional dependency (e.g. torch) is needed by the chosen method and is not installed."""
