"""Progress reporting for the CLI: a tqdm bar for people, JSON lines for programs (the QGIS
plugin runs the engine as a worker subprocess and reads these from stderr)."""
from __future__ import annotations

import json
import sys

MODES = ("bar", "json", "none")


def add_progress_option(parser) -> None:
    """Add `--progress bar|json|none` and `--quiet`; json is what the QGIS plugin's worker reads."""
    parser.add_argument("--progress", choices=MODES, default="bar",
                        help="bar (default), json (one JSON object per line on stderr, for "
                             "programs), or none")
    parser.add_argument("--quiet", action="store_const", const="none", dest="progress",
                        help="same as --progress none")


def emit_json(event: str, **fields) -> None:
    """One JSON event per line on stderr, flushed at once so a reading process sees it immediately
    (stdout stays free for the human summary)."""
    print(json.dumps({"event": event, **fields}), file=sys.stderr, flush=True)


class ProgressBar:
    """The `progress(done, total)` callback the jobs take, shown as a tqdm bar, JSON events or
    nothing. A context manager so the bar is closed (and the terminal line cleared) even when the
    job fails; tqdm is only imported once a bar is drawn."""

    def __init__(self, label: str, mode: str = "bar", unit: str = "tile"):
        self.label, self.mode, self.unit, self._bar = label, mode, unit, None
        self._started = None

    def __call__(self, done: int, total: int) -> None:
        if self.mode == "json":
            emit_json("progress", label=self.label, done=done, total=total)
        elif self.mode == "bar":
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=total, desc=self.label, unit=self.unit, file=sys.stderr,
                                 leave=False, dynamic_ncols=True)
                # the job started when the bar's context did (the statistics pass and the first
                # tile come before any callback): a rate measured from here is not inflated
                if self._started is not None:
                    self._bar.start_t = self._bar.last_print_t = self._started
            self._bar.update(done - self._bar.n)

    def __enter__(self):
        import time

        self._started = time.time()
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
        return False
