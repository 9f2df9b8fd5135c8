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
