"""`water DATE1 DATE2 [DATE3 ...] OUTPUT`: water seasonality classes from a few dates."""
from __future__ import annotations

import sys

from engine.cli.progress import ProgressBar, add_progress_option, emit_json
from engine.device import DEVICES
from engine.jobs.water import DEFAULT_FILL_METHOD, classify_water
from engine.water.bands import parse_band_list
from engine.tiling import DEFAULT_TILE_PX


def add_parser(sub) -> None:
    """Register `water`: dates first, output last, as for `batch` and `fill-stack`."""
    p = sub.add_parser(
        "water", help="classify water seasonality from two or more dates",
        description="Fill each date's SLC-off gaps, align the dates to the first one's grid and "
                    "classify every pixel as 1 not water, 2 seasonal water (water on some valid "
                    "dates) or 3 permanent water (on all of them); 0 = no valid date. Writes a "
                    "paletted uint8 GeoTIFF and prints the area of each class.")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="two or more dates (rasters with red, NIR and SWIR1, or Landsat products), "
                        "then the output GeoTIFF")
    p.add_argument("--fill-method", default=DEFAULT_FILL_METHOD, metavar="NAME",
                   help="gap-fill method: a name from `fill --help`, auto (nspi from the "
                        "job's other dates, the best measured for the classes; default) or none")
    p.add_argument("--device", default="auto", choices=DEVICES, help="where the models run")
    p.add_argument("--bands", metavar="R,N,S",
                   help="1-based band numbers of red, NIR and SWIR1 in every date "
                        "(default: from band names, or bands 1,2,3 of a 3-band raster)")
    p.add_argument("--reflectance-scale", type=float, metavar="FACTOR",
                   help="multiply pixel values by FACTOR to get reflectance (default: from "
                        "product metadata or the pixel type, e.g. 0.0001 for int16)")
    p.add_argument("--tile", type=int, default=DEFAULT_TILE_PX, metavar="N",
                   help=f"tile size in px (default {DEFAULT_TILE_PX})")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    """Classify water from two or more dates and print the area of each class; notes (e.g. a fill
    method that fell back) go to stderr."""
    from engine.errors import InputError

    if len(args.paths) < 3:
        raise InputError(f"water needs at least two dates and an output, got {len(args.paths)} "
                         "path(s)")
    *dates, output = args.paths
    with ProgressBar("water", args.progress) as bar:
        report = classify_water(dates, output, fill_method=args.fill_method, device=args.device,
                                bands=parse_band_list(args.bands),
                                reflectance_scale=args.reflectance_scale, tile_px=args.tile,
                                progress=bar)
    print(report.summary_text())
    for note in report.notes:
        print(note, file=sys.stderr)
    if args.progress == "json":
        emit_json("done", output=output, **report.summary())
    return 0
