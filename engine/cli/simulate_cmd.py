"""`simulate CLEAN OUTPUT --seed N`: burn SLC-off gaps as nodata."""
from __future__ import annotations

from engine.cli import arg_types
from engine.cli.progress import ProgressBar, add_progress_option, emit_json
from engine.jobs.simulate import simulate_file


def add_parser(sub) -> None:
    """Register `simulate`."""
    p = sub.add_parser("simulate", help="burn realistic SLC-off gaps into a clean raster",
                       description="Write CLEAN with seeded SLC-off gaps (tilt, period, stagger, "
                                   "width profile of real Landsat 7 scenes) set to nodata.")
    p.add_argument("clean", help="clean raster or pre-2003 Landsat product")
    p.add_argument("output", help="output GeoTIFF")
    p.add_argument("--seed", type=arg_types.seed, default=0, help="random seed (default 0)")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    """Burn seeded gaps into a clean raster and print the share set to nodata."""
    with ProgressBar("simulate", args.progress) as bar:
        fraction = simulate_file(args.clean, args.output, args.seed, progress=bar)
    print(f"{args.output}: {100 * fraction:.1f} % of pixels set to nodata (seed {args.seed})")
    if args.progress == "json":
        emit_json("done", output=args.output, gap_fraction=fraction, seed=args.seed)
    return 0
