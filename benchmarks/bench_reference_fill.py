"""Gap RMSE and seconds per tile of the reference-date fills against idw on real multi-date
scenes: simulated SLC-off gaps burned into a clean target, the other dates as references,
608 px tiles (512 + 48 px halo each side), gaps of a swath position with about 22 % missing
(u = 0.5), each scene normalised with its own 1-99 % range.

    python benchmarks/bench_reference_fill.py [--data ../shared/data] [--case lethbridge]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

import numpy as np
from rasterio.windows import Window

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.gaps.simulate import simulate_slc_off_mask  # noqa: E402
from engine.io import ArrayScene, open_scene  # noqa: E402
from engine.io.bands import canonical_names, match_bands  # noqa: E402
from engine.jobs.simulate import geometry_for  # noqa: E402
from engine.methods import get_method  # noqa: E402
from engine.methods.reference import LlhmFill, NspiFill, Reference  # noqa: E402
from engine.stats import scene_stats  # noqa: E402

CORE, HALO = 512, 48
CASES = {
    "lethbridge": ("lethbridge_2000/LE07", ["lethbridge_2000/LT05"]),
    "flathead": ("flathead_3dates/LE07_2007",
                 ["flathead_3dates/LT05_1997", "flathead_3dates/LC08_2015"]),
}
L8_CLOUD_BIT = 4  # Collection 1 BQA: cloud


def load(path):
    scene = open_scene(path)
    p = scene.profile
    full = Window(0, 0, p.width, p.height)
    data = scene.read(full)
    invalid = scene.invalid(full, data)
    if p.tags.get("SPACECRAFT_ID") == "LANDSAT_8":
        qa = [f for f in os.listdir(path) if f.endswith("_BQA.TIF")]
        if qa:
            import rasterio

            with rasterio.open(os.path.join(path, qa[0])) as ds:
                invalid |= ((ds.read(1).astype(np.int64) >> L8_CLOUD_BIT) & 1 == 1)[None]
    names = canonical_names(p.band_names, p.tags.get("SPACECRAFT_ID", ""))
    return data, invalid, p, names


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--case", choices=list(CASES), action="append")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    idw = get_method("idw").factory("cpu").fill
    for case in args.case or list(CASES):
        target_dir, ref_dirs = CASES[case]
        data, invalid, profile, names = load(os.path.join(args.data, target_dir))
        date = dt.date.fromisoformat(profile.tags["DATE_ACQUIRED"])
        gaps = simulate_slc_off_mask(profile.height, profile.width, geometry_for(profile),
                                     seed=args.seed, center_u=0.5) & ~invalid.any(axis=0)
        burned = np.where(gaps[None], 0, data)
        stats = scene_stats(ArrayScene(burned, profile))
        known = ~invalid & ~gaps[None]
        values = np.where(known, stats.normalise(burned), 0).astype(np.float32)
        truth = stats.normalise(data)
        refs = []
        for rd in ref_dirs:
            r_data, r_invalid, r_profile, r_names = load(os.path.join(args.data, rd))
            order = match_bands(names, r_names, label=rd)
            r_norm = scene_stats(ArrayScene(r_data, r_profile)).normalise(r_data)
            vals = np.zeros_like(values)
            ok = np.zeros_like(known)
            for b, j in enumerate(order):
                if j is not None:
                    ok[b] = ~r_invalid[j]
                    vals[b] = np.where(ok[b], r_norm[j], 0)
            days = (dt.date.fromisoformat(r_profile.tags["DATE_ACQUIRED"]) - date).days
            refs.append((os.path.basename(rd), Reference(vals, ok, float(days))))
        runs = [("idw", None, None)]
        for label, ref in refs:
            runs += [(f"nspi {label}", NspiFill, [ref]), (f"llhm {label}", LlhmFill, [ref])]
        if len(refs) > 1:
            every = [r for _, r in refs]
            runs += [("nspi nearest-first", NspiFill, every), ("llhm nearest-first", LlhmFill,
                                                                every)]
        print(f"{case}: {profile.width} x {profile.height} px, {gaps.mean():.1%} simulated gaps, "
              f"references {', '.join(f'{n} ({r.days_apart:+.0f} d)' for n, r in refs)}")
        for name, cls, use in runs:
            err, n, secs, tiles = 0.0, 0, 0.0, 0
            for r0 in range(0, profile.height, CORE):
                for c0 in range(0, profile.width, CORE):
                    ys = slice(max(0, r0 - HALO), min(profile.height, r0 + CORE + HALO))
                    xs = slice(max(0, c0 - HALO), min(profile.width, c0 + CORE + HALO))
                    v, k = values[:, ys, xs], known[:, ys, xs]
                    t0 = time.perf_counter()
                    if cls is None:
                        out = idw(v, k).mean
                    else:
                        tile_refs = [Reference(r.values[:, ys, xs], r.known[:, ys, xs],
                                               r.days_apart) for r in use]
                        out = cls(idw).fill(v, k, tile_refs).mean
                    secs += time.perf_counter() - t0
                    tiles += 1
                    core = (slice(r0 - ys.start, r0 - ys.start + CORE),
                            slice(c0 - xs.start, c0 - xs.start + CORE))
                    g = ~k[(slice(None),) + core] & ~invalid[:, ys, xs][(slice(None),) + core]
                    d = (out[(slice(None),) + core] - truth[:, ys, xs][(slice(None),) + core])[g]
                    err += float((d.astype(np.float64) ** 2).sum())
                    n += d.size
            print(f"  {name:24s} gap RMSE {np.sqrt(err / n):.4f}   {secs / tiles:6.2f} s/tile "
                  f"({tiles} tiles)", flush=True)


if __name__ == "__main__":
    main()
