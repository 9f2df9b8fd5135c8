"""Where a batch runs: Dask's distributed scheduler, the one the Pangeo stack, dask-jobqueue
(SLURM, PBS), Kubernetes and the cloud providers already run. Without an address the batch
starts a LocalCluster sized to this machine; with one it attaches to the user's cluster and
leaves its sizing to whoever started it."""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from typing import Optional

from engine.errors import InputError
from engine.io.gdal_env import GDAL_CACHE_MB

# Peak RSS of one full-scene fill is about 0.6 GB for the classical methods (docs/benchmarks.md)
# and more for the neural ones; budget this much per worker so N workers fit in memory.
MEMORY_PER_WORKER_GB = 2.0
GDAL_CACHE_MB_PER_WORKER = GDAL_CACHE_MB   # what each job caps it at anyway
# One thread per worker process: the work is parallel across scenes, and torch, OpenMP or BLAS
# pools inside each worker would fight over the same cores.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "GDAL_CACHEMAX": str(GDAL_CACHE_MB_PER_WORKER)}


def default_workers() -> int:
    """As many workers as cores, fewer when memory would not hold them."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    try:
        import psutil

        memory_gb = psutil.virtual_memory().total / 2**30
    except ImportError:
        memory_gb = cores * MEMORY_PER_WORKER_GB
    return max(1, min(cores, int(memory_gb // MEMORY_PER_WORKER_GB)))


@contextmanager
def open_client(scheduler: Optional[str] = None, workers: Optional[int] = None):
    """A `distributed.Client`: attached to `scheduler` (e.g. tcp://host:8786), else to a new
    LocalCluster of `workers` processes (default: `default_workers()`), closed on exit. A dying
    worker is reported at once (allowed-failures 0), so the batch's --retries counts every
    death; an external scheduler applies its own allowed-failures first."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: "
                             f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                             ) from None
        with client:
            yield client
        return
    n = default_workers() if workers is None else workers
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               memory_limit="auto", dashboard_address=":8787",
                               silence_logs=logging.ERROR, env=dict(WORKER_ENV))
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()


def dashboard_link(client) -> str:
    """The dashboard's address, "" when the scheduler serves none (bokeh missing)."""
    try:
        info = client.scheduler_info()
        if "dashboard" not in info.get("services", {}):
            return ""
        return client.dashboard_link
    except Exception:  # the dashboard is a convenience: never fail a batch over it
        return ""
