"""What a worker runs for one task: the existing job, unchanged, so a batch's outputs are the
same files `engine fill`, `fill-stack` or `water` would write. Every error the job raises is
caught here and returned as the task's result, because to the scheduler an exception means
"retry elsewhere", and a corrupt scene fails the same way on every worker; only a worker that
dies (out of memory, a lost node) leaves the task to be retried."""
from __future__ import annotations

import os
import time
import traceback

from engine.errors import EngineError
from engine.jobs.batch_manifest import DONE, FAILED, file_record
from engine.jobs.batch_plan import BatchTask
from engine.memory import keep_tile_buffers

_CLEAR_REFS = "/proc/self/clear_refs"
_STATUS = "/proc/self/status"
_GDAL_QUIET = False


def run_task(task: BatchTask) -> dict:
    """The task's manifest fields: status, outputs (name, size, checksum), wall and CPU
    seconds, peak memory of the worker process while it ran (None where the OS does not tell), error."""
    start, cpu_start = time.perf_counter(), time.process_time()
    _quiet_gdal()
    keep_tile_buffers()   # a worker process is the engine's own, as the command line is
    peak_known = _reset_peak_memory()
    error = ""
    try:
        _run_job(task)
        outputs = [file_record(p) for p in task.outputs]
    except EngineError as exc:
        error, outputs = str(exc), []
    except MemoryError:
        error, outputs = "out of memory", []
    except Exception as exc:  # a bug: one line in the manifest, the rest in the worker's log
        traceback.print_exc()
        error, outputs = f"internal error: {type(exc).__name__}: {exc}", []
    return {"status": FAILED if error else DONE, "outputs": outputs, "error": error,
            "seconds": round(time.perf_counter() - start, 3),
            # far below `seconds` on a busy machine: the worker waited for a core
            "cpu_seconds": round(time.process_time() - cpu_start, 3),
            "peak_memory_mb": _peak_memory_mb() if peak_known else None,
            "worker_pid": os.getpid()}


def _run_job(task: BatchTask) -> None:
    opts = task.options
    if task.job == "water":
        from engine.jobs.water import classify_water

        classify_water(list(task.inputs), task.outputs[0], fill_method=task.method,
                       device=opts.get("device", "auto"), tile_px=opts.get("tile", 512))
        return
    from engine.jobs.fill import fill_file
    from engine.runner import RunOptions

    options = RunOptions(task.method, opts.get("tile", 512), opts.get("device", "auto"))
    fill_file(task.inputs[0], task.outputs[0], options, references=list(task.inputs[1:]))


def _quiet_gdal() -> None:
    """GDAL's own "ERROR 1:" lines would flood the workers' logs; the job already turns each
    failure into the one line the manifest keeps."""
    from osgeo import gdal

    global _GDAL_QUIET
    if not _GDAL_QUIET:
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        _GDAL_QUIET = True


def _reset_peak_memory() -> bool:
    """Linux lets a process reset its own peak RSS ("5" to clear_refs); a worker runs one task
    at a time, so the peak read afterwards is this task's."""
    try:
        with open(_CLEAR_REFS, "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_memory_mb():
    try:
        with open(_STATUS) as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        return None
    return None
