"""An archive-scale batch on Dask: every scene named by the inputs becomes a task running an
existing job, tasks spread over the cluster's workers, and each finished task is recorded in
OUTDIR's manifest at once. A failing scene is recorded and the batch goes on; a task whose
worker died is resubmitted up to `retries` times; `resume` skips tasks whose recorded outputs
are still on disk unchanged. `run_batch` never prints (progress and records are callbacks)."""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from engine.errors import InputError, OutputError
from engine.jobs.batch_cluster import dashboard_link, open_client
from engine.jobs.batch_inputs import describe_scenes, expand_inputs, sort_scenes
from engine.jobs.batch_manifest import (DONE, FAILED, LOCK_NAME, append_record, load_records,
                                        remove_partial_files, still_valid)
from engine.jobs.batch_plan import JOBS, BatchTask, plan_tasks
from engine.jobs.batch_tasks import run_task


@dataclass
class BatchReport:
    """What `run_batch` hands back instead of printing: this run's manifest records (in the order
    tasks finished), the tasks `resume` skipped, and where and how long it ran."""

    outdir: str
    job: str
    method: str
    records: list = field(default_factory=list)     # this run's manifest records, in order
    skipped: list = field(default_factory=list)     # task keys --resume found done
    dashboard: str = ""
    workers: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> list:
        """This run's records of failed tasks; any makes the CLI exit 1."""
        return [r for r in self.records if r["status"] == FAILED]

    @property
    def done(self) -> list:
        """This run's records of tasks that finished and wrote their outputs."""
        return [r for r in self.records if r["status"] == DONE]


def run_batch(inputs: Sequence[str], outdir: str, *, job: str = "fill", method: str,
              scheduler: Optional[str] = None, workers: Optional[int] = None,
              resume: bool = False, retries: int = 1, max_references: int = 2,
              options: Optional[dict] = None, client=None,
              progress: Optional[Callable[[int, int], None]] = None,
              on_record: Optional[Callable[[dict], None]] = None,
              on_start: Optional[Callable[[BatchReport, int], None]] = None) -> BatchReport:
    """Run `job` over every scene of `inputs` into `outdir`. `client`: an open
    distributed.Client to use instead of starting or attaching one (tests, notebooks)."""
    if job not in JOBS:
        raise InputError(f"unknown job {job}; choose one of: {', '.join(JOBS)}")
    if retries < 0:
        raise InputError(f"--retries must be 0 or more, got {retries}")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    outdir = _check_outdir(outdir)
    start = time.perf_counter()
    report = BatchReport(outdir, job, method)
    paths = expand_inputs(inputs)
    with _locked(outdir):
        remove_partial_files(outdir)
        with _client(client, scheduler, workers) as c:
            report.dashboard = dashboard_link(c)
            report.workers = len(c.scheduler_info().get("workers", {}))
            scenes = _describe_on_cluster(c, paths)
            tasks = plan_tasks(scenes, outdir, job, method, max_references=max_references,
                               options=options)
            previous = load_records(outdir) if resume else {}
            todo = [t for t in tasks if not still_valid(previous.get(t.key), t, outdir)]
            report.skipped = [t.key for t in tasks if t not in todo]
            if on_start:
                on_start(report, len(todo))
            try:
                _run_tasks(c, todo, outdir, retries, report, progress, on_record)
            finally:
                remove_partial_files(outdir)
    report.seconds = time.perf_counter() - start
    return report


def _check_outdir(outdir: str) -> str:
    outdir = os.path.abspath(os.fspath(outdir))
    if not os.path.isdir(outdir):
        raise InputError(f"output folder does not exist: {outdir} (the last path is the folder "
                         "the batch writes to)")
    if not os.access(outdir, os.W_OK):
        raise OutputError(f"output folder is not writable: {outdir}")
    return outdir


@contextmanager
def _locked(outdir: str):
    """One batch per OUTDIR at a time: it deletes stage files it finds there, which would be
    another live batch's work in progress. The OS drops the lock when the process dies."""
    fh = open(os.path.join(outdir, LOCK_NAME), "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"another batch is writing to {outdir}; wait for it or choose "
                             "another folder") from None
        yield
    finally:
        fh.close()


@contextmanager
def _client(client, scheduler, workers):
    if client is not None:
        yield client
        return
    with open_client(scheduler, workers) as c:
        yield c


def _describe_on_cluster(client, paths: list) -> list:
    """Reading each scene's metadata (tarballs included) is itself work worth spreading."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    chunk = max(1, len(paths) // (4 * workers))
    futures = client.map(describe_scenes, [paths[i:i + chunk]
                                           for i in range(0, len(paths), chunk)], pure=False)
    return sort_scenes(s for part in client.gather(futures) for s in part)


def _run_tasks(client, todo: list, outdir: str, retries: int, report: BatchReport, progress,
               on_record) -> None:
    from distributed import as_completed

    total, done = len(todo), 0
    if progress:
        progress(0, total)
    known = [t for t in todo if t.problem]
    for task in known:
        done += 1
        _finish(task, _failed(task.problem), 0, outdir, report, on_record)
        if progress:
            progress(done, total)
    pending, queue = {}, as_completed()
    for task in todo:
        if not task.problem:
            queue.add(_submit(client, task, 1, pending))
    try:
        for future in queue:
            task, attempt, _ = pending.pop(future.key)
            if future.status == "finished":
                result = future.result()
            elif attempt <= retries:
                queue.add(_submit(client, task, attempt + 1, pending))
                continue
            else:
                result = _failed(_died(future, attempt))
            future.release()
            done += 1
            _finish(task, result, attempt, outdir, report, on_record)
            if progress:
                progress(done, total)
    except BaseException:  # interrupted: drop what is queued; running tasks clean up after
        client.cancel([f for _, _, f in pending.values()])
        raise


def _submit(client, task: BatchTask, attempt: int, pending: dict):
    future = client.submit(run_task, task, key=f"batch-{task.key}-{attempt}-{time.time_ns()}",
                           pure=False)
    pending[future.key] = (task, attempt, future)
    return future


def _died(future, attempt: int) -> str:
    try:
        exc = future.exception()
        why = f"{type(exc).__name__}: {str(exc).splitlines()[0]}" if str(exc) else \
            type(exc).__name__
    except Exception as exc:  # the scheduler itself went away
        why = type(exc).__name__
    return (f"the worker running this task died {attempt} time(s) ({why}); out of memory? "
            "give fewer workers or more memory per worker")


def _failed(error: str) -> dict:
    return {"status": FAILED, "outputs": [], "error": error, "seconds": 0.0,
            "cpu_seconds": 0.0, "peak_memory_mb": None}


def _finish(task: BatchTask, result: dict, attempts: int, outdir: str, report: BatchReport,
            on_record) -> None:
    record = {"key": task.key, "job": task.job, "group": task.group,
              "inputs": list(task.inputs), "dates": list(task.dates), "method": task.method,
              "status": result["status"], "outputs": result["outputs"],
              "seconds": result["seconds"], "cpu_seconds": result["cpu_seconds"],
              "peak_memory_mb": result["peak_memory_mb"],
              "error": result["error"] or None, "attempts": attempts,
              "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    append_record(outdir, record)
    report.records.append(record)
    if on_record:
        on_record(record)

