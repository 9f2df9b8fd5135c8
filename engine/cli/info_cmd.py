"""`info INPUT`: grid, bands, nodata, gap and footprint fractions, SLC-off look."""
from __future__ import annotations

from engine.cli.progress import ProgressBar, add_progress_option, emit_json
from engine.jobs.info import describe_file


def add_parser(sub) -> None:
    """Register `info`."""
    p = sub.add_parser("info", help="describe a raster and its gaps",
                       description="Print grid, bands, nodata handling, the gap and footprint "
                                   "fractions, and whether the gaps look like SLC-off stripes.")
    p.add_argument("input", help="raster, Landsat product folder, MTL or product tarball")
    p.add_argument("--reference", action="append", default=[], metavar="REF",
                   help="also say which bands this other date shares with INPUT, how far apart "
                        "in time it is and whether it must be warped; repeat for several")
    add_progress_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    """Print what the engine will make of an input (grid, nodata handling, gap share, SLC-off look)
    without writing anything."""
    with ProgressBar("scan", args.progress) as bar:
        info = describe_file(args.input, progress=bar)
    p = info.profile
    print(f"size:        {p.width} x {p.height} px, {p.count} band(s), {p.dtype}")
    print(f"bands:       {', '.join(p.band_names)}")
    print(f"crs:         {p.crs.to_string() if p.crs else 'none'}; pixel {p.pixel_size_m:g} m")
    print(f"nodata:      tag {p.nodata}; zero counts as fill: {p.zero_fill}")
    print(f"footprint:   {100 * info.footprint_fraction:.1f} % of the raster")
    if info.gap_fraction == 0:  # said in words: "0.0 %" also reads as "a few pixels, rounded"
        print("gaps:        no gaps found: a fill would write a copy of the input")
    else:
        print(f"gaps:        {100 * info.gap_fraction:.1f} % of the band-pixels "
              f"({100 * info.gap_fraction / max(info.footprint_fraction, 1e-9):.1f} % of the "
              "footprint)")
    s = info.stripes
    if s is None:
        print("slc-off:     no (no gaps inside the footprint)")
    else:
        detail = (f"period {s.period_px:.1f} px, tilt {s.tilt_deg:.1f} deg, mean width "
                  f"{s.mean_width_px:.1f} px" if s.period_px else "no periodic stripes")
        print(f"slc-off:     {'yes' if s.looks_like_slc_off else 'no'} ({detail})")
    for line in reference_lines(args.input, p, args.reference):
        print(line)
    if args.progress == "json":  # for callers that run info as a worker (the QGIS plugin)
        emit_json("done", gap_fraction=info.gap_fraction,
                  footprint_fraction=info.footprint_fraction)
    return 0


def reference_lines(target_path: str, target, references) -> list:
    """One line per reference: the bands it can lend (by name, across sensors), its time apart
    and whether it is warped, so a user sees before a fill what each date will contribute."""
    from engine.references import open_references

    lines = []
    refs = open_references(references, target, target_path)
    try:
        for ref in refs:
            shared = [target.band_names[t] for t, r in enumerate(ref.band_map) if r is not None]
            days = ("date unknown" if ref.days != ref.days
                    else f"{abs(ref.days):.0f} days {'earlier' if ref.days > 0 else 'later'}")
            grid = "same grid" if ref.warped is False else "another grid (warped tile by tile)"
            lines.append(f"reference:   {ref.label}: shares {len(shared)} of {len(ref.band_map)} "
                         f"band(s) ({', '.join(shared)}); {days}; {grid}")
    finally:
        for ref in refs:
            ref.close()
    return lines
