"""Argument types that reject values the engine cannot use while argparse still knows which
option they came from, so the message names the option instead of failing deep in a job."""
from __future__ import annotations

import argparse


def seed(text: str) -> int:
    """Random seeds are non-negative integers (numpy refuses negative ones)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value
