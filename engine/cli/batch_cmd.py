"""`batch INPUTS... OUTDIR`: a whole archive through one job, on Dask."""
from __future__ import annotations

import os
import sys
from collections import Counter

from engine.cli.exit_codes import EXIT_INTERNAL, EXIT_INTERRUPTED
from engine.cli.progress import ProgressBar, add_progress_option, emit_json
from engine.device import DEVICES
from engine.errors import InputError
from engine.jobs.fill_stack import DEFAULT_MAX_REFERENCES
from engine.methods import AUTO, DEFAULT_REFERENCE_METHOD, reference_methods, resolve_method
from engine.tiling import DEFAULT_TILE_PX


def add_parser(sub) -> None:
    """Register `batch`: the paths are positional (inputs first, the output folder last) so that
    shell globs and list files can be passed as they are."""
    p = sub.add_parser(
        "batch", help="run fill, fill-stack or water over many scenes on a Dask cluster",
        description="Run one job over every scene of the inputs, grouped by WRS path/row and "
                    "sorted by date: fill (one output per scene), fill-stack (each scene "
                    "filled from its nearest dates of the same path/row) or water (one class "
                    "raster per path/row). Runs on a local Dask cluster sized to this machine, "
                    "or on an existing one (--scheduler). Writes OUTDIR/batch_manifest.jsonl: "
                    "one record per task; exit code 1 when any failed.")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="scenes (rasters, product folders, MTL files, tarballs), folders of "
                        "them, globs, or .txt/.csv lists of them; then the output folder")
    p.add_argument("--job", choices=("fill", "water", "fill-stack"), default="fill",
                   help="what to run per scene (default fill)")
    p.add_argument("--method", default=AUTO,
                   help="fill method (default auto: as the chosen job's own default)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="attach to a running Dask scheduler, e.g. tcp://host:8786 (its "
                            "workers must see the same files and have the same environment)")
    where.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: one per core, as memory allows)")
    p.add_argument("--resume", action="store_true",
                   help="skip tasks whose outputs exist and match the manifest (size, SHA-256)")
    p.add_argument("--retries", type=int, default=1, metavar="N",
                   help="times a task is resubmitted after its worker died (default 1)")
    p.add_argument("--max-references", type=int, default=DEFAULT_MAX_REFERENCES, metavar="K",
                   help=f"fill-stack: dates used per fill (default {DEFAULT_MAX_REFERENCES})")
    p.add_argument("--device", default="auto", choices=DEVICES, help="where neural methods run")
    p.add_argument("--tile", type=int, default=DEFAULT_TILE_PX, metavar="N",
                   help=f"tile size in px (default {DEFAULT_TILE_PX})")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    """Run the batch and print its summary; exit 1 when any task failed. Unlike a single fill, an
    interrupt keeps the tasks already finished and recorded, so `--resume` can go on from them."""
    from engine.jobs.batch import run_batch

    if len(args.paths) < 2:
        raise InputError("batch needs at least one input and an output folder")
    *inputs, outdir = args.paths
    if not args.debug:  # Dask logs every worker start and stop at INFO; read before import
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    method = _method(args)
    events = _Events(args.progress)
    try:
        with ProgressBar(f"batch {args.job} ({method})", args.progress, unit="task") as bar:
            report = run_batch(inputs, outdir, job=args.job, method=method,
                               scheduler=args.scheduler, workers=args.workers,
                               resume=args.resume, retries=args.retries,
                               max_references=args.max_references,
                               options={"tile": args.tile, "device": args.device},
                               progress=bar, on_record=events.record, on_start=events.start)
    except KeyboardInterrupt:  # unlike a single fill, the finished scenes are kept
        print(f"interrupted: {events.finished} task(s) finished and recorded are kept, no "
              "partial file is left; rerun with --resume to go on", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(summary_table(report))
    if args.progress == "json":
        emit_json("done", outdir=report.outdir, done=len(report.done),
                  failed=len(report.failed), skipped=len(report.skipped),
                  seconds=round(report.seconds, 1))
    return EXIT_INTERNAL if report.failed else 0


def _method(args) -> str:
    """The method each task records, decided once here (workers get the name, not "auto")."""
    if args.job == "water":
        return args.method or AUTO     # classify_water resolves its own default
    if args.job == "fill-stack":
        if args.method in (AUTO, None, ""):
            return DEFAULT_REFERENCE_METHOD
        if args.method not in reference_methods():
            raise InputError(f"fill-stack fills from other dates; --method must be one of: "
                             f"{', '.join(reference_methods())}")
        return args.method
    method, note = resolve_method(args.method, args.device)
    if note:
        print(note, file=sys.stderr)
    return method


class _Events:
    """The dashboard address for people; one JSON object per finished task for programs."""

    def __init__(self, mode: str):
        self.mode, self.finished = mode, 0

    def start(self, report, todo: int) -> None:
        where = report.dashboard or "none (install bokeh for Dask's dashboard)"
        if self.mode == "json":
            emit_json("start", dashboard=report.dashboard, workers=report.workers, tasks=todo,
                      skipped=len(report.skipped))
        elif self.mode == "bar":
            print(f"dashboard: {where}; {report.workers} worker(s); {todo} task(s) to run, "
                  f"{len(report.skipped)} already done", file=sys.stderr)

    def record(self, record: dict) -> None:
        self.finished += 1
        if self.mode == "json":
            emit_json("task", key=record["key"], status=record["status"],
                      seconds=record["seconds"], error=record["error"])


def summary_table(report) -> str:
    """Per path/row: tasks done, failed, skipped; then each failure's one line."""
    rows = Counter()
    for r in report.records:
        rows[(r["group"], r["status"])] += 1
    groups = sorted({g for g, _ in rows})
    lines = [f"{'path/row':<10} {'done':>6} {'failed':>6}",
             *(f"{g:<10} {rows[(g, 'done')]:>6} {rows[(g, 'failed')]:>6}" for g in groups)]
    minutes = report.seconds / 60
    rate = len(report.done) / minutes if minutes > 0 else 0.0
    lines.append(f"{'total':<10} {len(report.done):>6} {len(report.failed):>6}   "
                 f"skipped (already done) {len(report.skipped)}; {report.seconds:.1f} s, "
                 f"{rate:.1f} task(s)/min on {report.workers} worker(s)")
    for r in report.failed:
        lines.append(f"failed {r['key']}: {r['error']}")
    lines.append(f"manifest: {report.outdir}/batch_manifest.jsonl")
    return "\n".join(lines)
