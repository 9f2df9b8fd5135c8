"""Export a convcnp-ref training run as shipped weights, like `training.export` does for the
single-image models: safetensors + JSON model card (kind, constructor arguments, inputs, the
multi-date training data and held-out region, the run and the runs it continues, sha256), with
the std calibrated on pair crops of the TRAINING regions only.

    python -m training.export_ref RUN_DIR [--name convcnp-ref] [--weights-dir resources/weights]
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from engine import __version__
from engine.models.factory import build_model
from engine.models.weights import save_weights
from engine.stats import HIGH_PERCENTILE, LOW_PERCENTILE
from training.export import last_log_row, lineage, total_minutes
from training.ref_scenes import GROUPS, load_group
from training.scenes import DEFAULT_CACHE, DEFAULT_DATA

CALIBRATION_SEED = 99   # evaluate_ref uses seed 0: other masks and crop phases


def std_scale(method, regions: list, crops: int, data_root: str, cache: str) -> tuple:
    """(scale, coverage before): 95.45 % of gap pixels within mean +- 2 scale std."""
    from training.evaluate_ref import pair_crops

    zs = []
    for region in regions:
        for _, crop, rv, rk, days, doy in pair_crops(region, load_group(region, data_root, cache),
                                                     crops, 128, CALIBRATION_SEED):
            known = crop.valid & ~crop.gaps[None]
            mean, std = method(np.where(known, crop.truth, 0).astype(np.float32), known,
                               rv, rk, days, doy)
            gaps = crop.gaps[None] & crop.valid
            zs.append(np.abs(mean - crop.truth)[gaps] / np.maximum(std[gaps], 1e-6))
    z = np.concatenate(zs)
    return float(np.percentile(z, 95.45) / 2), float(np.mean(z <= 2))


def build_card(run_dir: str, state: dict, name: str) -> dict:
    with open(os.path.join(run_dir, "run.json")) as fh:
        run = json.load(fh)
    a = run["args"]
    chain = lineage(state)
    regions = sorted({d.spec.region for g in GROUPS.values() for d in g
                      if d.spec.name in run["train_scenes"]})
    return {
        "name": name, "kind": state["kind"], "config_name": run["config_name"],
        "config": state["config"], "engine_version": __version__,
        "bands": "any 1-8 bands of the target in any order (bands folded into the batch, "
                 "DeepSets band mixing in the backbone); each reference band matched to the "
                 "target band by what it measures, absent ones unknown everywhere",
        "normalisation": f"target AND each reference normalised with their OWN per-scene "
                         f"(x - p{LOW_PERCENTILE:g}) / (p{HIGH_PERCENTILE:g} - p{LOW_PERCENTILE:g}) "
                         "(engine.stats.scene_stats); unknown pixels are 0",
        "inputs": "values, known (b, bands, h, w); ref_values, ref_known (b, R, bands, h, w), "
                  "R >= 0; ref_days (b, R) target minus reference in days; ref_doy (b, R) "
                  "day-of-year difference wrapped to [-182, 182]",
        "outputs": "mean and std (b, bands, h, w) in normalised units; references change only "
                   "the target's unknown pixels; R = 0 is the single-image backbone",
        "training": {
            "run": os.path.basename(os.path.normpath(run_dir)), "crop_px": a["crop"],
            "batch": a["batch"], "lr": a["lr"], "lr_decay": a["lr_decay"], "loss": a["loss"],
            "real_mask_fraction": a["p_real_mask"], "steps": state["step"],
            "minutes": round(state["elapsed"] / 60, 1), "final_log": last_log_row(run_dir),
            "continues": chain, "minutes_total": total_minutes(state, chain),
            "backbone_init": a.get("base_weights") or "random",
            "train_scenes": run["train_scenes"], "train_regions": regions,
            "held_out_regions": [run.get("held_out_region")],
            "references": "0-3 other dates of the same grid per crop (their real gaps, clouds "
                          "and fill), every date as target and as reference",
            "masks": "engine SLC-off simulator on the target and crops of a real Landsat 7 gap "
                     "mask (Menindee 2010)",
        },
        "std_scale": 1.0, "metrics": {},
        "licence_of_training_data": "USGS Landsat (public domain); xlandsat crops CC0; "
                                    "Geoscience Australia ARG25 sample CC BY 3.0 AU",
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("--name", default="convcnp-ref")
    ap.add_argument("--weights-dir", default=os.path.join("resources", "weights"))
    ap.add_argument("--std-scale", type=float, default=0.0, help="0 = fit it on training regions")
    ap.add_argument("--calibration-crops", type=int, default=4, help="crops per training pair")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    args = ap.parse_args(argv)
    ckpt = os.path.join(args.run_dir, "last.pt")
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    if state["kind"] != "convcnp-ref":
        raise SystemExit(f"error: {ckpt} is a {state['kind']} run; use training.export")
    model = build_model(state["kind"], state["config"])
    model.load_state_dict(state["model"])
    card = build_card(args.run_dir, state, args.name)
    card["std_scale"] = args.std_scale or 1.0
    if not args.std_scale:
        from training.evaluate_ref import RefMethod

        method = RefMethod(checkpoint=ckpt)
        regions = card["training"]["train_regions"]
        scale, before = std_scale(method, regions, args.calibration_crops, args.data, args.cache)
        card["std_scale"] = round(scale, 4)
        card["calibration"] = {
            "method": "std multiplied by std_scale so that 95.45 % of gap pixels of pair crops "
                      "of the TRAINING regions lie within mean +- 2 std (128 px)",
            "coverage_2std_before": round(before, 4)}
    info = {k: v for k, v in card.items() if k not in ("kind", "config")}
    path = save_weights(model.eval(), state["kind"], state["config"], info, args.name,
                        args.weights_dir)
    print(f"wrote {path} and {args.name}.safetensors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
