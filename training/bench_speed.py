"""Megapixels per second of fill methods through the engine's tiled runner on a real 3-band
scene with simulated SLC-off gaps everywhere (the runner skips tiles without gaps, so a scene
with no gap-free tile is the worst case).

    python -m training.bench_speed [--methods convcnp,idw] [--tile 512] [--threads 2]

Default scene: Lethbridge 2000 (Landsat 7, 1562 x 1213 px) bands red, NIR, SWIR1 from
../shared/data. Writes docs/figures/speed.json (read by training.evaluate's report)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

from rasterio.windows import Window

from engine.gaps.simulate import simulate_slc_off_mask
from engine.io import ArrayScene, open_scene
from engine.io.writer import ArraySink
from engine.jobs.evaluate import ArrayMask
from engine.jobs.simulate import geometry_for
from engine.models.kinds import FILL, kind_names
from engine.runner import RunOptions, fill_scene

DEFAULT_SCENE = os.path.join("..", "shared", "data", "lethbridge_2000", "LE07")


def load(path: str, bands: list):
    with open_scene(path) as scene:
        p = scene.profile
        data = scene.read(Window(0, 0, p.width, p.height))[bands]
    profile = p.with_changes(band_names=tuple(p.band_names[b] for b in bands))
    scene = ArrayScene(data, profile)
    # near the swath edge: wide gaps (up to 14 px) in every tile
    mask = simulate_slc_off_mask(p.height, p.width, geometry_for(p), seed=0, center_u=0.8)
    return scene, mask


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scene", default=DEFAULT_SCENE)
    ap.add_argument("--bands", default="2,3,4", help="0-based band indices (default red,NIR,SWIR1)")
    ap.add_argument("--methods", default=",".join(kind_names(FILL) + ("idw", "navier-stokes",
                                                                      "telea")))
    ap.add_argument("--tile", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeat", type=int, default=2, help="runs per method; the fastest counts")
    ap.add_argument("--json", default=os.path.join("docs", "figures", "speed.json"))
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    scene, mask = load(args.scene, [int(b) for b in args.bands.split(",")])
    p = scene.profile
    rows = []
    for name in args.methods.split(","):
        best = float("inf")
        for _ in range(args.repeat):
            sink = ArraySink(p)
            t0 = time.perf_counter()
            fill_scene(scene, sink, RunOptions(name, args.tile, args.device), mask=ArrayMask(mask))
            best = min(best, time.perf_counter() - t0)
        mpx = p.width * p.height / 1e6
        rows.append({"method": name, "scene": f"{os.path.basename(os.path.normpath(args.scene))} "
                     f"{p.width}x{p.height}x{p.count}", "tile": args.tile, "threads": args.threads,
                     "seconds": best, "mpx_per_s": mpx / best,
                     "note": f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"})
        print(f"{name:14s} {best:6.1f} s  {mpx / best:5.2f} Mpx/s  ({p.count} bands, "
              f"tile {args.tile}, {args.threads} threads)", flush=True)
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    old = {}
    if os.path.exists(args.json):
        with open(args.json) as fh:
            old = json.load(fh)
    keep = [r for r in old.get("rows", []) if (r["method"], r["tile"]) not in
            {(r2["method"], r2["tile"]) for r2 in rows}]
    cmd = "python -m training.bench_speed " + " ".join(sys.argv[1:] if argv is None else argv)
    with open(args.json, "w") as fh:
        json.dump({"command": cmd.strip(), "rows": keep + rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
