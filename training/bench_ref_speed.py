"""CPU speed of the reference-conditioned ConvCNP on one runner-sized tile (512 px + 48 px halo
each side = 608 px), 3 bands, against the single-image ConvCNP on the same tile.

    python -m training.bench_ref_speed [--threads 1,2] [--refs 0,1,2] [--repeats 3]

Real pixels: a Lethbridge Landsat 7 tile as target (simulated SLC-off gaps) and the Landsat 5
date of the same grid as reference. Megapixels per second count the tile's core (512 x 512),
as the runner's throughput does."""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from engine.gaps.simulate import SlcOffGeometry, simulate_slc_off_mask
from engine.models.inference import cpu_has_bf16
from training.ref_scenes import load_group
from training.scenes import DEFAULT_CACHE, DEFAULT_DATA

TILE, CORE = 608, 512


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--refs", default="0,1,2")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--config", default="fast", help="convcnp-ref configuration")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    args = ap.parse_args(argv)
    from engine.models.factory import build_model, named_config
    from engine.models.weights import load_model

    l5, l7 = load_group("lethbridge", args.data, args.cache)
    bands = [2, 3, 4]
    win = (slice(300, 300 + TILE), slice(400, 400 + TILE))
    gaps = simulate_slc_off_mask(TILE, TILE, SlcOffGeometry(latitude_deg=50.0), seed=1, center_u=0.8)
    known = l7.valid[bands][:, win[0], win[1]] & ~gaps[None]
    values = np.where(known, l7.values[bands][:, win[0], win[1]], 0).astype(np.float32)
    v, k = torch.from_numpy(values)[None], torch.from_numpy(known)[None]
    rv = torch.from_numpy(np.ascontiguousarray(l5.values[bands][:, win[0], win[1]]))[None, None]
    rk = torch.from_numpy(np.ascontiguousarray(l5.valid[bands][:, win[0], win[1]]))[None, None]
    ap_cfg = named_config("convcnp-ref", args.config)
    single, _ = load_model("convcnp")
    ref_model = build_model("convcnp-ref", ap_cfg).eval()
    # as the runner's Predictor runs models: channels-last memory
    single, ref_model = (m.to(memory_format=torch.channels_last) for m in (single, ref_model))
    bf16 = cpu_has_bf16()
    print(f"tile {TILE} px (core {CORE}), 3 bands, bf16 autocast: {bf16}")
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        runs = [("convcnp", single, {})]
        for r in [int(x) for x in args.refs.split(",")]:
            refs = {"ref_values": rv.expand(1, r, *rv.shape[2:]), "ref_known": rk.expand(1, r, *rk.shape[2:]),
                    "ref_days": torch.full((1, r), 40.0), "ref_doy": torch.full((1, r), 40.0)}
            runs.append((f"convcnp-ref R={r}", ref_model, refs))
        for name, model, refs in runs:
            times = []
            for _ in range(args.repeats + 1):
                t0 = time.perf_counter()
                with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    model(v, k, **refs)
                times.append(time.perf_counter() - t0)
            best = min(times[1:])
            print(f"{threads} thread(s) {name:18s} {best:6.2f} s/tile  {CORE * CORE / best / 1e6:.3f} Mpx/s",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
