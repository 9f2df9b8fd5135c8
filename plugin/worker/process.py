"""Run one engine job as a child process (`python -m engine VERB ... --progress json`, or a
worker script of ours speaking the same JSON-lines protocol).

Why a child process: a crash, a native-library clash or the out-of-memory killer then ends the
worker, not QGIS, and cancelling is immediate (SIGTERM; the engine removes its partial files).
The engine streams JSON lines on stderr: progress, then `done` or `error`. Every way the child
can end is turned into a sentence for the user here, at the plugin's edge.
"""
from __future__ import annotations

import glob
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from typing import Callable, Optional, Sequence

from engine.cli.exit_codes import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED
from engine.errors import Cancelled, EngineError

from ..paths import PLUGIN_DIR
from .oom import oom_kills
from .python import no_window, worker_env

POLL_S = 0.1          # how often cancel() is checked while the worker is quiet
TERMINATE_GRACE_S = 10
TAIL_LINES = 8
CLI_ONLY_HINT = " (rerun with --debug for details)"  # advice for terminal users, not for QGIS
OOM_CODES = (-signal.SIGKILL if hasattr(signal, "SIGKILL") else -9, 137)


class WorkerError(EngineError):
    """The worker died or misbehaved; the message says what happened in plain words."""


def run_worker(python: str, argv: Sequence[str], outputs: Sequence[str],
            progress: Optional[Callable[[int, int], None]] = None,
            cancel: Optional[Callable[[], bool]] = None,
            log: Optional[Callable[[str], None]] = None) -> dict:
    """Run `python *argv`; return its `done` event. `outputs` are the files the run may create:
    on cancel or failure they, and any partial files of this worker, are removed."""
    scratch = tempfile.mkdtemp(prefix="landsat-gapfill-job-")
    try:
        return _run(python, argv, outputs, progress, cancel, log, scratch)
    finally:
        # the engine's own temporary folders live in here: a killed worker cannot clean them
        shutil.rmtree(scratch, ignore_errors=True)


def _scratch_env(scratch: str) -> dict:
    """The worker's environment with its temporary files under `scratch` (tempfile reads
    TMPDIR on POSIX, TEMP/TMP on Windows)."""
    env = worker_env()
    for name in ("TMPDIR", "TEMP", "TMP"):
        env[name] = scratch
    return env


def _run(python, argv, outputs, progress, cancel, log, scratch) -> dict:
    cmd = [python, *argv]
    started = time.time()
    oom_before = oom_kills()
    proc = subprocess.Popen(cmd, cwd=PLUGIN_DIR, env=_scratch_env(scratch),
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", errors="replace", bufsize=1,
                            start_new_session=os.name == "posix", **no_window())
    try:
        return _follow(proc, outputs, progress, cancel, log, started, oom_before)
    except BaseException:
        # a bad event, a callback that raised, KeyboardInterrupt...: the worker must not run
        # on and write its output after the caller has given up on it
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        remove_outputs(outputs, proc.pid, written_since=started)
        raise


def _follow(proc, outputs, progress, cancel, log, started, oom_before) -> dict:
    lines: queue.Queue = queue.Queue()
    stdout: list = []
    readers = [threading.Thread(target=_pump, args=(proc.stderr, lines.put), daemon=True),
               threading.Thread(target=_pump, args=(proc.stdout, stdout.append), daemon=True)]
    for reader in readers:
        reader.start()
    state = _Events(progress, log)
    cancelled = killed = False
    while True:
        try:
            line = lines.get(timeout=POLL_S)
        except queue.Empty:
            line = ""
        if line is None:
            break
        state.handle(line)
        if not cancelled and cancel is not None and cancel():
            cancelled = True
            killed = _stop(proc)
    code = proc.wait()
    for reader in readers:
        reader.join(timeout=5)
    proc.stdout.close()
    proc.stderr.close()
    for text in stdout:
        if text and log is not None:
            log(text.rstrip())
    if cancelled:
        remove_outputs(outputs, proc.pid, written_since=started)
        raise Cancelled("cancelled by the user; no output was written")
    if code == 0 and state.done is not None:
        return state.done
    remove_outputs(outputs, proc.pid)
    after = oom_kills()
    raise _failure(code, state, killed,
                   None if oom_before is None or after is None else after - oom_before)


def _pump(stream, put) -> None:
    try:
        for line in stream:
            put(line)
    finally:
        put(None)


def _stop(proc: subprocess.Popen) -> bool:
    """SIGTERM (the engine unwinds and deletes partial files); SIGKILL if it does not stop."""
    if proc.poll() is not None:
        return False
    proc.terminate()
    try:
        proc.wait(TERMINATE_GRACE_S)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        return True


class _Events:
    """Interprets the engine's JSON lines; other stderr lines are kept for error reports."""

    def __init__(self, progress, log):
        self.progress, self.log = progress, log
        self.done: Optional[dict] = None
        self.error: Optional[str] = None
        self.tail: list = []

    def handle(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        event = _parse(text)
        if event is None:
            self.tail = (self.tail + [text])[-TAIL_LINES:]
            if self.log is not None:
                self.log(text)
        elif event.get("event") == "progress" and self.progress is not None:
            try:
                done, total = int(event.get("done", 0)), int(event.get("total", 1))
            except (TypeError, ValueError):
                raise WorkerError(f"the engine sent a malformed progress event: {text[:200]}"
                                  ) from None
            self.progress(done, total)
        elif event.get("event") == "done":
            self.done = event
        elif event.get("event") == "error":
            self.error = str(event.get("message", ""))


def _parse(text: str) -> Optional[dict]:
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _failure(code: int, state: _Events, killed: bool,
             new_oom_kills: Optional[int] = None) -> EngineError:
    tail = " | ".join(state.tail[-3:])
    if code in (EXIT_BAD_INPUT, EXIT_INTERNAL) and state.error:
        return EngineError(state.error.replace(CLI_ONLY_HINT, ""))
    if code == EXIT_INTERRUPTED:
        return Cancelled("the engine was interrupted; no output was written")
    if code in OOM_CODES and not killed:
        if new_oom_kills:  # the kernel's out-of-memory killer acted while the worker ran
            return WorkerError("the engine ran out of memory and was stopped by the operating "
                               "system; no output was written. Try a smaller tile size or "
                               "close other programs.")
        return WorkerError("the engine was killed (signal 9); no output was written. If memory "
                           "was short, try a smaller tile size.")
    if code < 0:
        return WorkerError(f"the engine crashed ({_signal_name(-code)}); no output was written."
                           + (f" Last messages: {tail}" if tail else ""))
    if code == 0:
        return WorkerError("the engine finished without reporting a result; "
                           "see the Landsat Gap Fill log for its messages")
    return WorkerError(f"the engine stopped unexpectedly (exit code {code}); no output was "
                       "written." + (f" Last messages: {tail}" if tail else ""))


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def remove_outputs(outputs: Sequence[str], pid: int, written_since: Optional[float] = None) -> None:
    """Delete this worker's partial files (the engine's `.NAME.partial-PID.*`); with
    `written_since`, also outputs it completed before a cancel arrived (never older files)."""
    for path in outputs:
        folder, name = os.path.split(os.path.abspath(path))
        pattern = os.path.join(glob.escape(folder), f".{glob.escape(name)}.partial-{pid}.*")
        doomed = glob.glob(pattern)
        if written_since is not None and os.path.isfile(path) \
                and os.path.getmtime(path) >= written_since - 1:
            doomed.append(path)
        for item in doomed:
            try:
                os.remove(item)
            except OSError:
                pass
