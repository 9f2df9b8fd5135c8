"""Installing PyTorch for the engine in a private environment of the plugin.

Pasting `python -m pip install torch` fails where it matters most: Debian 12's system Python
refuses pip (externally-managed-environment), and QGIS's bundled Pythons on Windows and macOS
are often not writable. A virtual environment in the plugin's folder works on each of them, and
the worker already prefers `<plugin>/.venv` (worker/python.py). It is made from the Python QGIS
runs with `--system-site-packages`, so it still sees the GDAL, rasterio and numpy that Python
has (Debian's packages, OSGeo4W's, the macOS bundle's) and only adds what is missing.

A new environment is built beside its final folder and renamed into place once pip succeeded,
so a failed or interrupted install never leaves a half-made `.venv` that the worker would pick
up. An existing `.venv` is installed into directly: pip resolves every requirement before it
changes anything, so a failure leaves it as it was.

No Qt here: gui/install_task.py runs a plan in QGIS's task manager."""
from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass
from typing import Optional, Sequence

from engine.device import TORCH_REQUIREMENT
from engine.methods import list_methods

from .paths import PLUGIN_DIR
from .worker.python import qgis_python

VENV_NAME = ".venv"
STAGING_SUFFIX = ".partial"


def default_venv_dir() -> str:
    return os.path.join(PLUGIN_DIR, VENV_NAME)


def venv_python(venv_dir: str) -> str:
    """The interpreter of the environment at `venv_dir` (as worker/python.py looks for it)."""
    if os.name == "nt":
        return os.path.join(venv_dir, "Scripts", "python.exe")
    return os.path.join(venv_dir, "bin", "python")


def torch_requirements() -> tuple:
    """PyTorch's pin and the pins the registry's PyTorch methods require (safetensors), once
    each, in that order."""
    pins = [TORCH_REQUIREMENT]
    for spec in list_methods():
        if spec.needs_torch:
            pins += [pip for _, pip in spec.requires]
    return tuple(dict.fromkeys(pins))


@dataclass(frozen=True)
class InstallPlan:
    """What an install does: the commands, in order, and where the environment is built."""

    venv_dir: str         # where the environment ends up (the worker looks there)
    build_dir: str        # where the commands work: venv_dir, or a staging folder beside it
    commands: tuple       # argument lists, run one after the other; any failure stops
    requirements: tuple

    @property
    def creates(self) -> bool:
        """True when a new environment is made (then renamed from build_dir on success)."""
        return self.build_dir != self.venv_dir


def plan_install(requirements: Sequence[str] = (), venv_dir: Optional[str] = None,
                 base_python: Optional[str] = None, pip_args: Sequence[str] = (),
                 for_task: bool = True) -> InstallPlan:
    """The commands that install `requirements` (default: PyTorch's) into the environment at
    `venv_dir` (default: the plugin's `.venv`), making it from `base_python` (default: QGIS's
    Python) when it does not exist yet. For the task (not a terminal) a new environment is
    built beside and renamed at the end, and pip never waits for input."""
    requirements = tuple(requirements) or torch_requirements()
    venv_dir = os.path.abspath(venv_dir or default_venv_dir())
    exists = os.path.isfile(venv_python(venv_dir))
    build_dir = venv_dir if exists or not for_task else venv_dir + STAGING_SUFFIX
    commands = []
    if not exists:
        commands.append((base_python or qgis_python(), "-m", "venv", "--system-site-packages",
                         build_dir))
    quiet = ("--disable-pip-version-check", "--no-input") if for_task else ()
    commands.append((venv_python(build_dir), "-m", "pip", "install", *quiet, *pip_args,
                     *requirements))
    return InstallPlan(venv_dir, build_dir, tuple(commands), requirements)


def shell_command(plan: InstallPlan) -> str:
    """The plan as one line to paste into a terminal (cmd, PowerShell 7 or a POSIX shell)."""
    quote = (lambda s: f'"{s}"' if " " in s or not s else s) if os.name == "nt" \
        else shlex.quote
    return " && ".join(" ".join(quote(str(a)) for a in command) for command in plan.commands)


def prepare(plan: InstallPlan) -> None:
    """Remove what an interrupted earlier try left in the staging folder."""
    if plan.creates and os.path.lexists(plan.build_dir):
        shutil.rmtree(plan.build_dir)


def complete(plan: InstallPlan) -> None:
    """Move a newly built environment into place (only now can the worker find it)."""
    if plan.creates:
        if os.path.lexists(plan.venv_dir):
            raise OSError(f"{plan.venv_dir} appeared while installing; remove it and try again")
        os.replace(plan.build_dir, plan.venv_dir)


def abandon(plan: InstallPlan) -> None:
    """After a failure: remove the environment being made (an existing one is left alone)."""
    if plan.creates:
        shutil.rmtree(plan.build_dir, ignore_errors=True)


def failure_line(output_lines: Sequence[str], command: Sequence[str]) -> str:
    """One line for people from a failed command's output: pip's last "ERROR:" line, else the
    last line it printed."""
    lines = [line.strip() for line in output_lines if line.strip()]
    errors = [line[len("ERROR:"):].strip() for line in lines if line.startswith("ERROR:")]
    what = "creating the environment" if "venv" in command[1:3] else "pip install"
    detail = errors[-1] if errors else (lines[-1] if lines else "no output")
    return f"{what} failed: {detail}"
