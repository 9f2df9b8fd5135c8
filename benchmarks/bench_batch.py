"""Throughput of `engine batch` on this machine: scenes per minute with 1 and 2 local Dask
workers, per method, their ratio (the target for `idw` is >= 1.7x on 2 cores), and what the
scheduler costs per task. Prints numbers; it is not a timed test.

    python benchmarks/bench_batch.py [--methods idw,convcnp] [--scenes idw=12,convcnp=4]
                                     [--size idw=1024,convcnp=256] [--workers 1,2]
                                     [--workdir out/bench_batch]

Scenes are built by make_big_scene.py from real Landsat 7 pixels, one gap seed per scene (so
every scene has its own stripes). Each measurement starts a fresh LocalCluster, runs a warm-up
batch of one scene per worker (imports and model loading, paid once per worker in a real
archive), then times `run_batch` over the scenes into an empty folder: planning, describing,
filling, checksums and the manifest included, cluster start-up not.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
for path in (REPO, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")

from bench_fill_memory import machine_summary  # noqa: E402
from make_big_scene import make_big_scene  # noqa: E402

from engine.jobs.batch import run_batch  # noqa: E402
from engine.jobs.batch_cluster import open_client  # noqa: E402

DEFAULT_SCENES = {"idw": 12, "convcnp": 4}
DEFAULT_SIZE = {"idw": 1024, "convcnp": 256}
NOOP_TASKS = 200


def per_method(text: str, defaults: dict) -> dict:
    values = dict(defaults)
    for item in filter(None, text.split(",")):
        name, value = item.split("=")
        values[name] = int(value)
    return values


def build_scenes(workdir: str, method: str, count: int, size: int) -> list:
    folder = os.path.join(workdir, f"scenes_{size}")
    os.makedirs(folder, exist_ok=True)
    return [make_big_scene(size, size, os.path.join(folder, f"scene_{size}_seed{seed}.tif"),
                           seed, verbose=False)["path"] for seed in range(count)]


def noop(_):
    return None


def scheduler_overhead(client) -> float:
    """Seconds per task for a task that does nothing: submit, schedule, run, gather."""
    start = time.perf_counter()
    client.gather(client.map(noop, range(NOOP_TASKS), pure=False))
    return (time.perf_counter() - start) / NOOP_TASKS


def measure(method: str, scenes: list, workers: int, workdir: str) -> dict:
    out = os.path.join(workdir, f"out_{method}_{workers}")
    warm = os.path.join(workdir, f"warm_{method}_{workers}")
    for folder in (out, warm):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    started = time.perf_counter()
    with open_client(workers=workers) as client:
        startup = time.perf_counter() - started
        run_batch(scenes[:workers], warm, method=method, client=client, retries=0)
        overhead = scheduler_overhead(client)
        report = run_batch(scenes, out, method=method, client=client, retries=0)
    if report.failed:
        raise SystemExit(f"{method}: {report.failed[0]['key']} failed: "
                         f"{report.failed[0]['error']}")
    busy = sum(r["seconds"] for r in report.records)
    cpu = sum(r["cpu_seconds"] for r in report.records)
    peaks = [r["peak_memory_mb"] for r in report.records if r["peak_memory_mb"]]
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(warm, ignore_errors=True)
    return {"method": method, "workers": workers, "scenes": len(scenes),
            "seconds": report.seconds, "per_min": 60 * len(scenes) / report.seconds,
            "task_s": busy / len(scenes), "task_cpu_s": cpu / len(scenes),
            "startup_s": startup, "noop_ms": 1000 * overhead,
            "batch_overhead_ms": 1000 * (report.seconds * workers - busy) / len(scenes),
            "peak_mb": max(peaks) if peaks else float("nan")}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--methods", default="idw,convcnp")
    ap.add_argument("--scenes", default="", help="per method, e.g. idw=12,convcnp=4")
    ap.add_argument("--size", default="", help="scene side in px per method, e.g. idw=1024")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--workdir", default=os.path.join(REPO, "out", "bench_batch"))
    args = ap.parse_args(argv)
    counts, sizes = per_method(args.scenes, DEFAULT_SCENES), per_method(args.size, DEFAULT_SIZE)
    workers = [int(w) for w in args.workers.split(",")]
    print(machine_summary())
    rows = []
    for method in args.methods.split(","):
        scenes = build_scenes(args.workdir, method, counts.get(method, 4),
                              sizes.get(method, 512))
        for n in workers:
            row = measure(method, scenes, n, args.workdir)
            rows.append(row)
            print(f"{method:<10} workers {n}: {row['scenes']} scenes of "
                  f"{sizes.get(method, 512)} px in {row['seconds']:.1f} s = "
                  f"{row['per_min']:.1f} scenes/min (task {row['task_s']:.2f} s, CPU "
                  f"{row['task_cpu_s']:.2f} s, peak "
                  f"{row['peak_mb']:.0f} MB; cluster start {row['startup_s']:.1f} s; no-op "
                  f"task {row['noop_ms']:.1f} ms; batch overhead "
                  f"{row['batch_overhead_ms']:.0f} ms/task)", flush=True)
    print()
    print("| method | scene px | scenes | workers | s | scenes/min | ratio to 1 worker | "
          "s per task (in worker) | CPU s per task | peak MB per worker | no-op task ms | batch overhead ms/task |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        base = next(r for r in rows if r["method"] == row["method"] and r["workers"] == 1)
        print(f"| {row['method']} | {sizes.get(row['method'], 512)} | {row['scenes']} | "
              f"{row['workers']} | {row['seconds']:.1f} | {row['per_min']:.1f} | "
              f"{row['per_min'] / base['per_min']:.2f} | {row['task_s']:.2f} | {row['task_cpu_s']:.2f} | "
              f"{row['peak_mb']:.0f} | {row['noop_ms']:.1f} | {row['batch_overhead_ms']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
