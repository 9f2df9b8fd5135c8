"""Ctrl-C, SIGTERM and SIGHUP as one stop request that writers can see even inside a GDAL call.

A Python signal handler only runs between Python steps: during a long `gdal.Translate` it
waits, and an exception raised inside GDAL's progress callback is dropped by the bindings. So
the handler records the stop first; writers hand `gdal_progress` to GDAL (which then stops at
its next progress step) and look at `stop_requested()` when GDAL returns. Inside `deferred()`
(renaming a job's outputs into place) the handler only records the stop, and the block raises
it at its end, so a job's outputs are never caught half renamed.
"""
from __future__ import annotations

from contextlib import contextmanager

_state = {"stop": False, "defer": 0}


def on_signal(signum=None, frame=None) -> None:
    """Signal handler: the first signal stops the job; later ones would only interrupt the
    removal of its partial files, so they are ignored."""
    if _state["stop"]:
        return
    _state["stop"] = True
    if not _state["defer"]:
        raise KeyboardInterrupt


def stop_requested() -> bool:
    """Whether a stop signal arrived; writers ask after a GDAL call, which may have swallowed it."""
    return _state["stop"]


def raise_if_stopped() -> None:
    """Turn a recorded stop into KeyboardInterrupt at a point where unwinding is safe."""
    if _state["stop"]:
        raise KeyboardInterrupt


def gdal_progress(complete, message, user_data) -> int:
    """GDAL progress callback: returning 0 makes GDAL abandon the operation."""
    return 0 if _state["stop"] else 1


@contextmanager
def deferred():
    """Hold a stop back until the block is done, then raise it."""
    _state["defer"] += 1
    try:
        yield
    finally:
        _state["defer"] -= 1
    if not _state["defer"]:
        raise_if_stopped()
