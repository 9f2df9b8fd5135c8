"""Device choice shared by every front end: "auto" means CUDA when torch sees a working GPU."""
from __future__ import annotations

from engine.errors import InputError, MissingDependency

DEVICES = ("auto", "cpu", "cuda")
# The one torch pin of the code (requirements.txt holds the same; a test keeps them in step).
TORCH_REQUIREMENT = "torch==2.13.0"


def resolve_device(device: str, needs_torch: bool) -> str:
    """The device a method will actually run on: `cpu` for methods without torch (whatever was
    asked), CUDA only when torch sees a usable GPU. Fails early, with an install hint, when torch is
    needed and missing."""
    if device not in DEVICES:
        raise InputError(f"unknown device {device!r}; choose one of: {', '.join(DEVICES)}")
    if not needs_torch:
        return "cpu"
    try:
        import torch
    except ImportError:
        raise MissingDependency("this method needs PyTorch; install it with "
                                f"`python -m pip install {TORCH_REQUIREMENT}`") from None
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("device cuda was asked for but torch sees no usable CUDA GPU")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def describe_device(device: str) -> str:
    """Human-readable "Running on" text, e.g. 'CUDA (NVIDIA H100)' or 'CPU (2 threads)'."""
    try:
        import torch
    except ImportError:
        import os

        return f"CPU ({os.cpu_count()} cores, no PyTorch)"
    if device == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(0)})"
    return f"CPU ({torch.get_num_threads()} threads)"


def running_on_text(device: str) -> str:
    """Where a PyTorch method asked to run on `device` would run, in words for a dialog:
    'CUDA (NVIDIA H100)', 'CPU (8 threads)', or with the reason CUDA cannot be used
    ('CPU (8 threads; cuda unavailable: this PyTorch build has no CUDA support)'). Never an
    exception's class name: people read this line, not programmers."""
    if device not in DEVICES:
        raise InputError(f"unknown device {device!r}; choose one of: {', '.join(DEVICES)}")
    resolve_device("cpu", True)  # MissingDependency with the install hint when torch is absent
    if device == "cpu":
        return describe_device("cpu")
    reason = cuda_unavailable_reason()
    if not reason:
        return describe_device("cuda")
    if device == "cuda":
        return f"nowhere: cuda was asked for but is unavailable ({reason}); choose auto or cpu"
    return f"{describe_device('cpu')[:-1]}; cuda unavailable: {reason})"


def cuda_unavailable_reason() -> str:
    """Why torch cannot use a CUDA GPU here, in words ("" when it can)."""
    import torch

    if not torch.backends.cuda.is_built():
        return "this PyTorch build has no CUDA support"
    try:
        if torch.cuda.is_available():
            torch.cuda.get_device_name(0)
            return ""
        torch.cuda.init()  # raises with the driver's own explanation
    except Exception as exc:  # noqa: BLE001  (any failure of the CUDA stack is the reason)
        return _in_words(exc)
    return "no CUDA GPU found"


def _in_words(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].rstrip(".") if lines else "PyTorch could not start CUDA"
