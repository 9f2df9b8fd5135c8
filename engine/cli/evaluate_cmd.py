"""`evaluate CLEAN --methods a,b,c`: simulate gaps, fill with each method, score."""
from __future__ import annotations

from engine.cli import arg_types
from engine.cli.progress import ProgressBar, add_progress_option, emit_json
from engine.device import DEVICES
from engine.jobs.evaluate import evaluate_file, scores_summary, scores_text
from engine.tiling import DEFAULT_TILE_PX


def add_parser(sub) -> None:
    """Register `evaluate`: defaults to the classical methods, which need no PyTorch."""
    p = sub.add_parser("evaluate", help="score fill methods on simulated gaps of a clean raster",
                       description="Burn seeded SLC-off gaps into CLEAN, fill them with each "
                                   "method and print gap RMSE, PSNR and MS-SSIM.")
    p.add_argument("clean", help="clean raster or pre-2003 Landsat product")
    p.add_argument("--methods", default="navier-stokes,telea,idw",
                   help="comma-separated method names (default: the classical ones)")
    p.add_argument("--seed", type=arg_types.seed, default=0,
                   help="random seed for the gaps (default 0)")
    p.add_argument("--png", help="also write a before/after/truth comparison PNG here "
                                 "(default: none; the scores are printed either way)")
    p.add_argument("--device", default="auto", choices=DEVICES)
    p.add_argument("--tile", type=int, default=DEFAULT_TILE_PX, metavar="N",
                   help=f"tile size in px (default {DEFAULT_TILE_PX})")
    p.add_argument("--reference", action="append", default=[], metavar="REF",
                   help="another date of the same place for the methods that fill from "
                        "reference dates (nspi, llhm); repeat for several")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    """Score each method on the same seeded gaps and print the table (and a JSON summary for
    programs)."""
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    png = args.png
    with ProgressBar("evaluate", args.progress) as bar:
        scores = evaluate_file(args.clean, methods, args.seed, png, args.device, args.tile,
                               references=args.reference, progress=bar)
    print(scores_text(scores))
    if png:
        print(f"comparison image: {png}")
    if args.progress == "json":
        emit_json("done", **scores_summary(scores), png=png)
    return 0
