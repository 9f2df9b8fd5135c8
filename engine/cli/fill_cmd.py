"""`fill INPUT OUTPUT --method NAME`: the main job."""
from __future__ import annotations

import sys

from engine.cli.progress import ProgressBar, add_progress_option, emit_json
from engine.device import DEVICES
from engine.jobs.fill import fill_file
from engine.methods import (AUTO, DEFAULT_METHOD, DEFAULT_REFERENCE_METHOD, FALLBACK_METHOD,
                            list_methods, resolve_method)
from engine.preview import check_image_path
from engine.runner import GPU_TILE_BATCH, FillReport, RunOptions
from engine.tiling import DEFAULT_TILE_PX


def add_parser(sub) -> None:
    """Register `fill`; its description lists every registered method, read from the registry so the
    help never falls behind it."""
    methods = "; ".join(f"{m.name}: {m.summary}" for m in list_methods())
    p = sub.add_parser("fill", help="fill the gaps of a raster or Landsat product",
                       description="Fill SLC-off gaps (nodata inside the scene footprint) and "
                                   "write a cloud-optimised GeoTIFF on the input's grid. "
                                   f"Methods: {methods}")
    p.add_argument("input", help="raster file (any GDAL format), Landsat product folder, "
                                 "its *_MTL.txt, or a product .tar/.tar.gz")
    p.add_argument("output", help="output GeoTIFF (written atomically; never the input)")
    fallback = "" if FALLBACK_METHOD == DEFAULT_METHOD else f"; {FALLBACK_METHOD} where it cannot run"
    p.add_argument("--method", default=AUTO,
                   help=f"fill method (default {AUTO}: {DEFAULT_METHOD}{fallback})")
    p.add_argument("--device", default="auto", choices=DEVICES, help="where neural methods run")
    p.add_argument("--tile", type=int, default=DEFAULT_TILE_PX, metavar="N",
                   help=f"tile size in px (default {DEFAULT_TILE_PX})")
    p.add_argument("--tile-batch", type=int, default=0, metavar="N",
                   help=f"tiles per network call (default 0: {GPU_TILE_BATCH} on a GPU, 1 on "
                        "a CPU, where one tile already keeps every core busy)")
    p.add_argument("--mask", help="raster of the same grid: non-zero pixels are filled "
                                  "(instead of the detected gaps)")
    p.add_argument("--reference", action="append", default=[], metavar="REF",
                   help="another date of the same place (any Landsat 4-9 raster, product "
                        "folder, MTL or tarball; any grid or CRS that overlaps) to fill from; "
                        "repeat for several. Needs a method that uses references")
    p.add_argument("--reference-mask", action="append", default=[], metavar="MASK",
                   help="raster on the target's grid: non-zero pixels the matching "
                        "--reference (same order) must not lend, e.g. from Fmask")
    p.add_argument("--filled-mask", action="store_true",
                   help="also write OUTPUT_filled_mask.tif (1 = pixel was filled)")
    p.add_argument("--uncertainty", action="store_true",
                   help="also write OUTPUT_uncertainty.tif (std, neural processes only)")
    p.add_argument("--preview", metavar="PNG", help="also write a before/after PNG")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    """Resolve `auto` (the reference method when `--reference` is given) before any file is opened:
    a default that cannot run here falls back with a note on stderr instead of failing halfway."""
    if args.reference and args.method in (AUTO, None, ""):
        args.method = DEFAULT_REFERENCE_METHOD
    args.method, note = resolve_method(args.method, args.device)
    if note:
        print(note, file=sys.stderr)
    options = RunOptions(args.method, args.tile, args.device, args.tile_batch)
    if args.preview:
        check_image_path(args.preview)
    with ProgressBar(f"fill ({args.method})", args.progress) as bar:
        report = fill_file(args.input, args.output, options, mask_path=args.mask,
                           filled_mask=args.filled_mask, uncertainty=args.uncertainty,
                           references=args.reference, reference_masks=args.reference_mask,
                           preview=args.preview, progress=bar)
    summary = report.summary()
    print(f"{args.output}: {FillReport.summary_text(summary)}")
    for note in report.notes:
        print(note, file=sys.stderr)
    if args.progress == "json":
        emit_json("done", output=args.output, **summary)
    return 0
