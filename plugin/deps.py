"""Optional dependencies and where things run, checked WITHOUT importing torch into QGIS.

Importing torch inside QGIS costs seconds and is where native-library clashes happen, so the
plugin only asks whether it is installed (`find_spec`), and asks the interpreter that will run
the job (worker/capabilities.py): that is the one whose packages count.
"""
from __future__ import annotations

import functools
import os
import re
import shlex
import subprocess

from engine.device import TORCH_REQUIREMENT

from .installer import default_venv_dir, plan_install, shell_command, venv_python
from .paths import PLUGIN_DIR
from .worker import capabilities
from .worker.capabilities import importable, job_python
from .worker.python import find_worker_python, no_window, qgis_python, worker_env


def torch_available() -> bool:
    """True when the Python that runs the engine can import torch (looked up, not imported)."""
    return importable("torch")


def engine_python() -> str:
    """The interpreter that runs jobs: the worker's, or QGIS's own when jobs run in process."""
    return job_python() or qgis_python()


def install_command(*requirements: str) -> str:
    """One command, ready to paste in a terminal, that installs `requirements` (default: torch)
    for the engine: with pip of the plugin's environment when that is what runs the engine,
    else by making that environment first (system Pythons such as Debian's refuse pip)."""
    requirements = requirements or (TORCH_REQUIREMENT,)
    python = engine_python()
    if os.path.abspath(python) == os.path.abspath(venv_python(default_venv_dir())):
        quoted = f'"{python}"' if os.name == "nt" else shlex.quote(python)
        return f"{quoted} -m pip install {' '.join(requirements)}"
    return shell_command(plan_install(requirements, for_task=False))


def forget_answers() -> None:
    """After an install: ask the engine's Python again (packages, device) instead of keeping
    this session's answers."""
    capabilities.forget_answers()
    _torch_device_text.cache_clear()


def missing_torch_message() -> str:
    return missing_message("PyTorch", TORCH_REQUIREMENT)


def missing_message(what: str, *requirements: str) -> str:
    """"needs X, which the engine's Python cannot import. Install it with ..." for users."""
    button = (" press Install PyTorch in the Fill scanlines or Water classes dialog (no "
              "restart needed), or" if what == "PyTorch" else "")
    return (f"needs {what}, which the Python that runs the engine ({engine_python()}) cannot "
            f"import. To install it,{button} run this command, then restart QGIS:\n"
            f"{install_command(*requirements)}")


def running_on(needs_torch: bool, device: str = "auto") -> str:
    """"CPU (n threads)" or "CUDA (name)": where a method with these needs would run."""
    if not needs_torch:
        return f"CPU ({os.cpu_count() or 1} threads)"
    if not torch_available():
        return "nowhere yet: this method needs PyTorch"
    return _torch_device_text(device)


@functools.lru_cache(maxsize=None)
def _torch_device_text(device: str) -> str:
    """Asked of the worker Python (it loads torch, QGIS does not); in process as a fallback.
    A failure reads as words ("unavailable (no usable GPU)"), never as an exception class."""
    code = f"from engine.device import running_on_text; print(running_on_text({device!r}))"
    python = find_worker_python()
    if python is None:
        from engine.device import running_on_text

        try:
            return running_on_text(device)
        except Exception as exc:  # noqa: BLE001  (shown in a label, the run reports it again)
            return f"unavailable ({error_words(str(exc))})"
    try:
        done = subprocess.run([python, "-c", code], cwd=PLUGIN_DIR, env=worker_env(),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=120, **no_window())
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unavailable (the engine's Python did not answer: {error_words(str(exc))})"
    if done.returncode != 0:
        return f"unavailable ({error_words(done.stderr)})"
    return done.stdout.strip()


def error_words(text: str) -> str:
    """The message of the last line of a traceback or error, without the exception's dotted
    class name ("engine.errors.InputError: device cuda ..." -> "device cuda ...")."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    message = re.sub(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b:?\s*", "",
                     lines[-1]) if lines else ""
    return message or "the engine's Python could not load PyTorch"
