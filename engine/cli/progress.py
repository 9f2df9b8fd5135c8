"""A tqdm bar on stderr driven by the engine's (done, total) progress callback."""
from __future__ import annotations

import sys


class ProgressBar:
    def __init__(self, label: str, enabled: bool = True):
        self.label, self.enabled, self._bar = label, enabled, None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self.label, unit="tile", file=sys.stderr,
                             leave=False, dynamic_ncols=True)
        self._bar.n = done
        self._bar.refresh()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
        return False
