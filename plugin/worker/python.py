"""Which Python interpreter runs the engine worker.

Inside QGIS `sys.executable` is not QGIS's interpreter: it is the `qgis` binary, or whatever
`python3` comes first on PATH (embedded Python guesses it), which may be an unrelated build
without QGIS's packages. Candidates, first that can import the engine wins:
1. `$LANDSAT_GAPFILL_PYTHON` (an explicit choice always wins);
2. a virtual environment next to the plugin (`<plugin>/.venv`), as made by `scripts/setup.sh`;
3. the interpreter QGIS embeds, found under `sys.exec_prefix` (same version, same packages);
4. `sys.executable`, then `python3` on PATH, when they are Pythons at all.
Each candidate is probed once per session by importing the engine in it.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from typing import Optional

from ..paths import PLUGIN_DIR

ENV_PYTHON = "LANDSAT_GAPFILL_PYTHON"
PROBE = "import engine.cli.main, engine.jobs.fill"
PROBE_TIMEOUT_S = 60


def worker_env() -> dict:
    """The environment for worker processes: the plugin folder first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PLUGIN_DIR, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def qgis_python() -> str:
    """The interpreter that shares QGIS's packages: what `pip install` must be run with."""
    v = sys.version_info
    guess = (os.path.join(sys.exec_prefix, "python.exe") if os.name == "nt" else
             os.path.join(sys.exec_prefix, "bin", f"python{v.major}.{v.minor}"))
    if os.path.isfile(guess) or not _looks_like_python(sys.executable):
        return guess
    return sys.executable


def candidates() -> list:
    venv = os.path.join(PLUGIN_DIR, ".venv", "Scripts" if os.name == "nt" else "bin",
                        "python.exe" if os.name == "nt" else "python")
    found = [os.environ.get(ENV_PYTHON), venv, qgis_python()]
    found += [p for p in (sys.executable, shutil.which("python3")) if _looks_like_python(p or "")]
    unique = []
    for path in found:
        if path and os.path.isfile(path) and path not in unique:
            unique.append(path)
    return unique


def find_worker_python() -> Optional[str]:
    """The first candidate that can import the engine, or None (then run in process)."""
    return next((p for p in candidates() if can_run_engine(p)), None)


@functools.lru_cache(maxsize=None)
def can_run_engine(python: str) -> bool:
    try:
        done = subprocess.run([python, "-c", PROBE], cwd=PLUGIN_DIR, env=worker_env(),
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=PROBE_TIMEOUT_S, **no_window())
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def no_window() -> dict:
    """On Windows, keep a console window from flashing up for every worker."""
    if os.name == "nt":
        return {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)}
    return {}


def _looks_like_python(path: str) -> bool:
    return bool(path) and os.path.basename(path).lower().startswith("python")
