"""Which optional packages the interpreter that will run a job can import.

That interpreter is usually not QGIS's own Python but the worker's (often the plugin's `.venv`,
which has PyTorch while QGIS's Python has not), so looking in QGIS's process would refuse
neural methods that would run fine and offer others that would fail. The worker's Python is
asked once per session with a short subprocess (`importlib.util.find_spec`, nothing is
imported); when jobs run in QGIS's process, QGIS's Python is asked directly."""
from __future__ import annotations

import functools
import importlib.util
import json
import subprocess
from typing import Optional

from ..paths import PLUGIN_DIR
from .fill import worker_mode
from .python import no_window, worker_env

PROBE = ("import importlib.util as u, json, sys; "
         "print(json.dumps({m: u.find_spec(m) is not None for m in sys.argv[1:]}))")
PROBE_TIMEOUT_S = 60


def job_python() -> Optional[str]:
    """The interpreter of the worker process, None when jobs run inside QGIS."""
    return worker_mode()[1]


def importable(module: str) -> bool:
    """True when the Python that will run the engine can import `module` (looked up only)."""
    python = job_python()
    if python is None:
        return _found_here(module)
    return bool(_probe(python, (module,)).get(module, False))


def _found_here(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=None)
def _probe(python: str, modules: tuple) -> dict:
    try:
        done = subprocess.run([python, "-c", PROBE, *modules], cwd=PLUGIN_DIR,
                              env=worker_env(), stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=PROBE_TIMEOUT_S, **no_window())
        found = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        found = {}
    return {m: bool(found.get(m)) for m in modules}


def forget_answers() -> None:
    """Drop the answers kept for this session (which Python runs the engine, what it can
    import): after an install they are stale, and methods become available without a restart."""
    from .python import can_run_engine

    _probe.cache_clear()
    can_run_engine.cache_clear()
