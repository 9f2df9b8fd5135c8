"""`fill-stack INPUTS... OUTDIR`: fill every date of a time series from its nearest dates."""
from __future__ import annotations

import os

from engine.cli.progress import ProgressBar, add_progress_option, emit_json
from engine.device import DEVICES
from engine.errors import InputError
from engine.jobs.fill_stack import DEFAULT_MAX_REFERENCES, fill_stack
from engine.methods import DEFAULT_REFERENCE_METHOD, reference_methods
from engine.runner import RunOptions
from engine.tiling import DEFAULT_TILE_PX


def add_parser(sub) -> None:
    """Register `fill-stack`; `--method` names a method that fills from other dates."""
    p = sub.add_parser(
        "fill-stack", help="fill every date of a time series from its nearest other dates",
        description="Fill the SLC-off gaps of each date from the K dates nearest to it in "
                    "time (dates from product metadata or YYYYMMDD in file names); writes "
                    "OUTDIR/<input name>_filled.tif per date.")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="two or more dates (rasters, product folders, MTL files or tarballs), "
                        "then the output folder")
    p.add_argument("--max-references", type=int, default=DEFAULT_MAX_REFERENCES, metavar="K",
                   help=f"dates used per fill (default {DEFAULT_MAX_REFERENCES})")
    p.add_argument("--method", default=DEFAULT_REFERENCE_METHOD,
                   help=f"one of {', '.join(reference_methods())} "
                        f"(default {DEFAULT_REFERENCE_METHOD})")
    p.add_argument("--device", default="auto", choices=DEVICES, help="where neural methods run")
    p.add_argument("--tile", type=int, default=DEFAULT_TILE_PX, metavar="N",
                   help=f"tile size in px (default {DEFAULT_TILE_PX})")
    p.add_argument("--filled-mask", action="store_true",
                   help="also write <output>_filled_mask.tif per date")
    p.add_argument("--uncertainty", action="store_true",
                   help="also write <output>_uncertainty.tif per date (neural processes only)")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    """Check the output folder exists before any date is opened (the last path is easily mistaken
    for an input), then fill every date."""
    if len(args.paths) < 3:
        raise InputError(f"fill-stack needs at least two dates and an output folder, got "
                         f"{len(args.paths)} path(s)")
    *inputs, outdir = args.paths
    if not os.path.isdir(outdir):
        raise InputError(f"output folder does not exist: {outdir} (the last path is the folder "
                         "the filled dates go to)")
    options = RunOptions(args.method, args.tile, args.device)
    with ProgressBar(f"fill-stack ({args.method})", args.progress) as bar:
        report = fill_stack(inputs, outdir, options, max_references=args.max_references,
                            filled_mask=args.filled_mask, uncertainty=args.uncertainty,
                            progress=bar)
    for out, fill in zip(report.outputs, report.reports):
        refs = ", ".join(os.path.basename(os.path.normpath(r)) for r in report.references[out])
        print(f"{out}: filled {fill.gap_pixels} band-pixels from {refs} in {fill.seconds:.1f} s")
    if args.progress == "json":
        emit_json("done", outputs=report.outputs, references=report.references,
                  seconds=report.seconds)
    return 0
